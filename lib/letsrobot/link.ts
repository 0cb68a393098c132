import type { SocketChannel, SocketFactory } from "../net/channel.ts";
import { KeptLink, type KeptLinkTuning } from "../robot/kept-link.ts";
import type { LinkName, LinkStatus } from "../robot/link-status.ts";

export interface LinkOptions extends KeptLinkTuning {
  name: LinkName;
  /** Where to connect (http://host:port); asked again before every connection attempt. */
  url: () => string;
  factory: SocketFactory;
  auth?: Record<string, string>;
  /** Sent on every (re)connect and periodically: `robot_id` on control, `identify_robot_id` on chat/app. */
  identify: { event: string; data: unknown };
  /** Server → robot events and their handlers (any of them counts as a sign of life). */
  handlers: Record<string, (data: unknown) => void>;
  /** Re-identify this often even when the server never acks (docs/protocol.md 1.3: 60 s). */
  reidentifyMs?: number;
  /** After this many failures in a row, call `relookup` before the next attempt. */
  relookupAfter?: number;
  relookup?: () => Promise<void>;
}

/**
 * One robot socket that stays up by itself: identify on every connect, ping with the identify event
 * (servers ack it) so a connected-but-silent server is noticed within `livenessMs`, reconnect with capped
 * backoff, re-lookup the host after repeated failures. The socket library's own reconnection is off:
 * this class owns the whole retry policy.
 */
export class RobotLink extends KeptLink {
  private channel: SocketChannel | undefined;
  private lastHeard = 0;
  private lastIdentify = 0;
  /** Why the server last refused the robot; cleared by its next acceptance. Logged once per new reason. */
  private refused: string | undefined;
  /** Does this server ack identify events? Learned from the first ack, or from repeated silence. */
  private acks: "unknown" | "yes" | "no" = "unknown";
  private unackedConnects = 0;

  constructor(private readonly options: LinkOptions) {
    super({ ...options, label: `${options.name} socket` });
  }

  get connected(): boolean {
    return this.state === "connected";
  }

  /** Emit if connected; false when the event could not be sent. */
  emit(event: string, data: unknown, ack?: (reply: unknown) => void): boolean {
    if (this.state !== "connected" || !this.channel) return false;
    this.channel.emit(event, data, ack);
    return true;
  }

  status(): LinkStatus {
    const silentMs = this.state === "connected" ? this.options.clock.now() - this.lastHeard : undefined;
    return { name: this.options.name, state: this.state, connects: this.connects, failures: this.failures, silentMs, acks: this.acks === "yes", ...(this.refused ? { refused: this.refused } : {}) };
  }

  private get pingMs(): number {
    return Math.max(250, Math.floor(this.options.livenessMs / 3));
  }

  protected connect(): void {
    if (this.closed) return;
    this.teardown();
    this.setState("connecting");
    let channel: SocketChannel;
    try {
      channel = this.options.factory({ url: this.options.url(), auth: this.options.auth, reconnect: false, timeoutMs: this.options.connectTimeoutMs ?? 5000 });
    } catch (error) {
      this.fail(`cannot connect: ${(error as Error).message}`);
      return;
    }
    this.channel = channel;
    const current = () => this.channel === channel && !this.closed;
    const timeout = this.options.clock.setTimeout(() => {
      if (current() && this.state === "connecting") this.fail(`no connection within ${this.options.connectTimeoutMs ?? 5000} ms`);
    }, this.options.connectTimeoutMs ?? 5000);
    this.timers.push(timeout);
    channel.onState((state, detail) => {
      if (!current()) return;
      if (state === "connect") this.onConnected(channel);
      else if (state === "disconnect") this.fail(`disconnected (${detail ?? "no reason"})`);
      else if (this.state === "connecting") this.fail(detail ?? "connection failed");
    });
    for (const [event, handler] of Object.entries(this.options.handlers)) {
      channel.on(event, (data) => {
        if (!current()) return;
        this.heard(channel);
        handler(data);
      });
    }
  }

  private onConnected(channel: SocketChannel): void {
    this.failures = 0;
    this.connects += 1;
    this.setState("connected");
    this.heard(channel);
    this.identify(channel);
    this.pinger = this.options.clock.setInterval(() => this.tick(channel), this.pingMs);
  }

  private identify(channel: SocketChannel): void {
    this.lastIdentify = this.options.clock.now();
    channel.emit(this.options.identify.event, this.options.identify.data, (reply) => {
      if (this.channel !== channel) return;
      this.acks = "yes";
      this.unackedConnects = 0;
      const answer = reply as { ok?: boolean; error?: unknown; message?: unknown } | undefined;
      if (answer && answer.ok === false) {
        // a refusal is no sign of life: the silence deadline runs on, and the link reconnects when it passes
        const text = (value: unknown, fallback: string) => (typeof value === "string" ? value.slice(0, 200) : fallback);
        const reason = `${text(answer.error, "refused")}: ${text(answer.message, "no reason given")}`;
        if (reason !== this.refused) this.options.log?.error(`${this.options.name} socket: the server refused the robot: ${reason}`);
        this.refused = reason;
        if (this.state === "connected") this.setState("refused", reason);
        return;
      }
      this.refused = undefined;
      if (this.state === "refused") this.setState("connected");
      this.heard(channel);
    });
  }

  /**
   * The server said something: push the silence deadline out. A server that has never acked gets the same
   * deadline; silence on two connections in a row means it does not ack, and liveness falls back to the
   * socket library's heartbeat (and the 60 s re-identify) for it.
   */
  private heard(channel: SocketChannel): void {
    this.lastHeard = this.options.clock.now();
    if (this.acks === "no") return;
    if (this.silence !== undefined) this.options.clock.clearTimeout(this.silence);
    this.silence = this.options.clock.setTimeout(() => {
      this.silence = undefined;
      if (this.channel !== channel || (this.state !== "connected" && this.state !== "refused")) return;
      const silent = Math.round(this.options.clock.now() - this.lastHeard);
      if (this.state === "refused") return this.fail(`refused by the server (${this.refused}); trying again`);
      if (this.acks === "yes") return this.fail(`server silent for ${silent} ms`);
      this.unackedConnects += 1;
      if (this.unackedConnects < 2) return this.fail(`no answer to ${this.options.identify.event} within ${silent} ms`);
      this.acks = "no";
      this.options.log?.info(`${this.options.name} socket: the server does not acknowledge ${this.options.identify.event}; relying on socket.io's heartbeat`);
    }, this.options.livenessMs);
  }

  private tick(channel: SocketChannel): void {
    if (this.channel !== channel || this.state !== "connected") return;
    const now = this.options.clock.now();
    // With a server that acks, every tick is a ping; otherwise re-identify at the slow keep-alive pace.
    if (this.acks !== "no" || now - this.lastIdentify >= (this.options.reidentifyMs ?? 60_000)) this.identify(channel);
  }

  /** After every `relookupAfter` failures in a row, look the server up again before the next attempt. */
  protected override retry(): void {
    const relookup = this.options.relookup;
    if (!relookup || this.failures % (this.options.relookupAfter ?? 3) !== 0) return this.connect();
    relookup().then(
      () => this.connect(),
      (error: Error) => {
        this.options.log?.warn(`${this.options.name} socket: re-lookup failed: ${error.message}`);
        this.connect();
      },
    );
  }

  protected drop(): void {
    const channel = this.channel;
    this.channel = undefined;
    channel?.close();
  }
}
