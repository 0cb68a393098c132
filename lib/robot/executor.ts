import { type Action, type CommandPlan, type HardwareDriver, isMotion } from "../hardware/driver.ts";
import type { Logger } from "../log.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import type { KeyPosition } from "./payload.ts";

/** Why the motors were stopped; reported in events and logs. */
export type StopReason = "command" | "release" | "pulse-end" | "deadman" | "disconnect" | "shutdown" | "crash" | "emergency";

export interface ExecutorOptions {
  driver: Pick<HardwareDriver, "apply" | "stop">;
  clock: Clock;
  /** Command word → action (lib/hardware/driver.ts `planCommand` bound to the config). */
  plan: (command: string) => CommandPlan | undefined;
  deadmanMs: number;
  log?: Logger;
  /** Called after every stop with its reason (events, status line). */
  onStop?: (reason: StopReason) => void;
}

export interface ExecutorState {
  /** The motion command currently driving the motors, if any. */
  active?: string;
  held: boolean;
  lastCommandAt?: number;
  stops: number;
}

/**
 * Turns robot commands into driver calls with the safety rules of R1/R4 (docs/performance.md):
 * - a pulse drives for its configured length, then stops;
 * - `key_position: down` drives until `up`, but never longer than `deadmanMs` after the last refresh (the
 *   holder repeats `down` while it holds: the viewer page, `send --hold` and the Twitch panel every 150-200 ms);
 * - a new motion command pre-empts the running one (the queued, not yet started, one is skipped);
 * - a stop or release always reaches the driver at once, bypassing the queue, and is never coalesced away.
 * Non-motion actions (servos, LEDs, raw words) run beside a motion without cancelling its timers.
 */
export class CommandExecutor {
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private active: string | undefined;
  private held = false;
  private lastCommandAt: number | undefined;
  private stops = 0;
  /** Held non-motion buttons → when their last `down` came. */
  private readonly pressed = new Map<string, number>();

  constructor(private readonly options: ExecutorOptions) {}

  /** Handle one decoded command. Returns the plan it was mapped to (undefined = empty command). */
  handle(command: string, keyPosition: KeyPosition = ""): CommandPlan | undefined {
    const plan = this.options.plan(command);
    if (!plan) return undefined;
    const key = command.trim().toLowerCase();
    this.lastCommandAt = this.options.clock.now();
    if (plan.action.kind === "stop") {
      this.halt("command");
      return plan;
    }
    if (keyPosition === "up") {
      this.pressed.delete(key);
      // A release of a motion (or of whatever is driving) always stops: never dropped.
      if (isMotion(plan.action) || key === this.active) this.halt("release");
      return plan;
    }
    if (!isMotion(plan.action)) {
      if (keyPosition !== "down" || !this.isRefresh(key)) this.enqueue(plan.action, this.generation);
      return plan;
    }
    if (keyPosition === "down" && this.held && this.active === key) {
      this.armTimer(this.deadmanDelay(), "deadman"); // a refresh of the held move
      return plan;
    }
    const generation = ++this.generation;
    this.active = key;
    this.held = keyPosition === "down";
    this.enqueue(plan.action, generation);
    if (this.held) this.armTimer(this.deadmanDelay(), "deadman");
    else this.armTimer(plan.pulseMs > 0 ? Math.min(plan.pulseMs, 60_000) : this.options.deadmanMs, "pulse-end");
    return plan;
  }

  /** One non-motion action that is not a command (a servo step toward a click on the video). */
  act(action: Action): void {
    if (isMotion(action)) return;
    this.lastCommandAt = this.options.clock.now();
    this.enqueue(action, this.generation);
  }

  /**
   * The dead-man's timer, armed early by the clock's recent lateness (at most a quarter of `deadmanMs`), so
   * the stop reaches the driver by `deadmanMs` after the last refresh even when timers fire late.
   */
  private deadmanDelay(): number {
    const early = Math.min(this.options.clock.lateness?.() ?? 0, this.options.deadmanMs / 4);
    return this.options.deadmanMs - early;
  }

  /**
   * A held servo, LED or raw button is refreshed like a held move, but acts once per press: a `down` within
   * the dead-man of the previous `down` of the same button is the holder saying it still holds it.
   */
  private isRefresh(key: string): boolean {
    const now = this.options.clock.now();
    const last = this.pressed.get(key);
    if (this.pressed.size >= 64) for (const [k, at] of this.pressed) if (now - at > this.options.deadmanMs) this.pressed.delete(k);
    this.pressed.set(key, now);
    return last !== undefined && now - last <= this.options.deadmanMs;
  }

  /**
   * Stop the motors now. Safe from any path (disconnect, shutdown, crash handler), any number of times.
   * Resolves when the driver has taken the stop (never rejects); callers that cannot wait need not.
   */
  halt(reason: StopReason): Promise<void> {
    this.generation += 1;
    this.clearTimer();
    this.active = undefined;
    this.held = false;
    this.stops += 1;
    return this.callStop(reason);
  }

  /** Resolves when every queued driver call has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  state(): ExecutorState {
    return { active: this.active, held: this.held, lastCommandAt: this.lastCommandAt, stops: this.stops };
  }

  private callStop(reason?: StopReason): Promise<void> {
    let stopped: Promise<void>;
    try {
      stopped = this.options.driver.stop().catch((error: Error) => this.options.log?.error(`driver stop failed: ${error.message}`));
    } catch (error) {
      this.options.log?.error(`driver stop failed: ${(error as Error).message}`);
      stopped = Promise.resolve();
    }
    if (reason) this.options.onStop?.(reason);
    return stopped;
  }

  private enqueue(action: Action, generation: number): void {
    this.chain = this.chain.then(async () => {
      if (generation !== this.generation) return; // pre-empted before it started
      try {
        await this.options.driver.apply(action);
      } catch (error) {
        this.options.log?.warn(`driver refused ${action.kind}: ${(error as Error).message}`);
        if (isMotion(action)) this.halt("command");
        return;
      }
      // A stop that arrived while this motion was being written must win.
      if (isMotion(action) && generation !== this.generation && this.active === undefined) this.callStop();
    });
  }

  private armTimer(ms: number, reason: StopReason): void {
    this.clearTimer();
    const generation = this.generation;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      if (generation === this.generation) this.halt(reason);
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
