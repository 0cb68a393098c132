import type { Logger } from "../log.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import { type BackoffOptions, backoffDelay } from "../net/backoff.ts";
import type { LinkState } from "./link-status.ts";

/** What every connector's link is tuned by, besides what it connects to. */
export interface KeptLinkTuning {
  clock: Clock;
  /** A server silent this long (no answer to our pings, no event) is considered dead: reconnect. */
  livenessMs: number;
  connectTimeoutMs?: number;
  /** Delay between attempts (default: 250 ms, doubling to 2 s, ±20 %). */
  backoff?: BackoffOptions;
  onState?: (state: LinkState, detail?: string) => void;
  log?: Logger;
  random?: () => number;
}

export interface KeptLinkOptions extends Pick<KeptLinkTuning, "clock" | "log" | "onState" | "backoff" | "random"> {
  /** How log lines name the link ("control socket", "Remo socket"). */
  label: string;
}

const defaultBackoff: BackoffOptions = { baseMs: 250, capMs: 2000, jitter: 0.2 };

/**
 * The part every connector's socket shares: a state that is reported on change, timers that die with the
 * connection, and a failure that tears the connection down and tries again after a delay. Subclasses say how
 * to connect, how to drop the socket and how long to wait.
 */
export abstract class KeptLink {
  protected state: LinkState = "down";
  protected timers: TimerHandle[] = [];
  protected pinger: TimerHandle | undefined;
  protected silence: TimerHandle | undefined;
  protected failures = 0;
  protected connects = 0;
  protected closed = false;

  constructor(private readonly kept: KeptLinkOptions) {}

  start(): void {
    this.connect();
  }

  close(): void {
    this.closed = true;
    this.teardown();
    this.setState("closed");
  }

  /** The backoff this link retries by. */
  protected get backoff(): BackoffOptions {
    return this.kept.backoff ?? defaultBackoff;
  }


  protected abstract connect(): void;
  /** Close the current socket, if there is one. */
  protected abstract drop(): void;
  /** How long to wait after the failure just counted: the backoff's delay for the failures so far. */
  protected retryDelay(): number {
    return backoffDelay(this.failures - 1, this.backoff, this.kept.random);
  }
  /** The next attempt (a subclass may look the server up again first). */
  protected retry(): void {
    this.connect();
  }

  protected fail(reason: string): void {
    if (this.closed) return;
    const wasConnected = this.state === "connected";
    this.teardown();
    this.failures += 1;
    this.setState("down", reason);
    (wasConnected ? this.kept.log?.warn : this.kept.log?.debug)?.(`${this.kept.label}: ${reason}; reconnecting`);
    this.timers.push(this.kept.clock.setTimeout(() => this.retry(), this.retryDelay()));
  }

  protected teardown(): void {
    for (const t of this.timers) this.kept.clock.clearTimeout(t);
    this.timers = [];
    if (this.pinger !== undefined) this.kept.clock.clearInterval(this.pinger);
    if (this.silence !== undefined) this.kept.clock.clearTimeout(this.silence);
    this.pinger = undefined;
    this.silence = undefined;
    this.drop();
  }

  protected setState(state: LinkState, detail?: string): void {
    if (this.state === state) return;
    this.state = state;
    this.kept.onState?.(state, detail);
  }
}
