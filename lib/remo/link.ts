import { KeptLink, type KeptLinkTuning } from "../robot/kept-link.ts";
import type { LinkState } from "../robot/link-status.ts";
import type { RobotCommand } from "../robot/payload.ts";
import { parseValidated, pickChannel, type RemoChannel, type RemoChat, RemoEvent, type RemoIdentity, robotMessage, toChatMessage, toRobotCommand } from "./protocol.ts";
import type { FrameSocket, FrameSocketFactory } from "./socket.ts";

/** Where the robot ended up after authenticating and joining. */
export interface RemoJoined extends RemoIdentity {
  channel: RemoChannel;
}

export interface RemoLinkOptions extends KeptLinkTuning {
  /** ws:// or wss:// URL of the Remo server's websocket. */
  url: string;
  /** The robot key (a JWT on Remo.tv). Sent only inside AUTHENTICATE_ROBOT, never logged. */
  token: string;
  /** Channel to join by name; empty = the first channel of the robot's server. */
  channelName: string;
  /** `GET /api/dev/channels/list/{host}` → the server's channels. */
  lookupChannels: (host: string) => Promise<RemoChannel[]>;
  factory: FrameSocketFactory;
  onJoined?: (joined: RemoJoined) => void;
  onCommand: (command: RobotCommand) => void;
  onChat: (message: RemoChat) => void;
}

/**
 * The robot's one Remo socket, kept up by itself: authenticate on every connect, look up and join the
 * channel, hand commands and chat to the robot loop, ping the server (protocol pings) and reconnect when
 * it stays silent for `livenessMs`, reconnect with capped backoff. A refused key is
 * reported once as an error and retried at the backoff cap (the owner may fix the key on the site).
 */
export class RemoLink extends KeptLink {
  private socket: FrameSocket | undefined;
  private joined: RemoJoined | undefined;
  private refused = false;

  constructor(private readonly options: RemoLinkOptions) {
    super({ ...options, label: "Remo socket" });
  }

  get where(): RemoJoined | undefined {
    return this.joined;
  }

  /** Say something in the channel's chat (`ROBOT_MESSAGE_SENT`); false when not joined. */
  say(text: string): boolean {
    if (this.state !== "connected" || !this.socket || !this.joined) return false;
    this.socket.send(RemoEvent.robotMessage, robotMessage(text, { chat: this.joined.channel.chat, host: this.joined.host, channelId: this.joined.channel.id }));
    return true;
  }

  status(): { name: "remo"; state: LinkState; connects: number; failures: number; acks: boolean } {
    return { name: "remo", state: this.state, connects: this.connects, failures: this.failures, acks: false };
  }

  protected connect(): void {
    if (this.closed) return;
    this.teardown();
    this.joined = undefined;
    this.setState("connecting");
    let socket: FrameSocket | undefined;
    const current = () => this.socket === socket && socket !== undefined && !this.closed;
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    this.timers.push(
      this.options.clock.setTimeout(() => {
        if (current() && this.state === "connecting") this.fail(`not validated and joined within ${timeoutMs} ms`);
      }, timeoutMs),
    );
    socket = this.options.factory(this.options.url, {
      open: () => {
        if (!current()) return;
        // key_position: this robot reads holds and releases (a stock Remo robot gets one command per press)
        socket?.send(RemoEvent.authenticate, { token: this.options.token, key_position: true });
        this.heard(socket);
        this.pinger = this.options.clock.setInterval(() => socket?.ping(), Math.max(250, Math.floor(this.options.livenessMs / 3)));
      },
      heard: () => {
        if (current()) this.heard(socket);
      },
      frame: (frame) => {
        if (!current()) return;
        switch (frame.e) {
          case RemoEvent.validated:
            return void this.join(frame.d, () => current(), socket);
          case RemoEvent.invalidToken:
            return this.refuse();
          case RemoEvent.error:
            if (this.state === "connecting" && !this.joined) return this.refuse();
            this.options.log?.warn(`Remo server error: ${typeof frame.d === "string" ? frame.d : JSON.stringify(frame.d)}`);
            return;
          case RemoEvent.buttonCommand: {
            const command = this.state === "connected" ? toRobotCommand(frame.d, this.joined?.channel.id) : undefined;
            if (command) this.options.onCommand(command);
            return;
          }
          case RemoEvent.messageReceived: {
            const message = this.joined && this.state === "connected" ? toChatMessage(frame.d, this.joined.channel.id) : undefined;
            if (message) this.options.onChat(message);
            return;
          }
          default:
            return;
        }
      },
      close: (reason) => {
        if (current()) this.fail(this.refused ? "the server refused the robot key" : reason);
      },
    });
    this.socket = socket;
  }

  private async join(d: unknown, current: () => boolean, socket: FrameSocket | undefined): Promise<void> {
    const identity = parseValidated(d);
    if (!identity) return this.fail("ROBOT_VALIDATED without a host");
    let channels: RemoChannel[];
    try {
      channels = await this.options.lookupChannels(identity.host);
    } catch (error) {
      if (current()) this.fail(`channel lookup failed: ${(error as Error).message}`);
      return;
    }
    if (!current() || !socket) return;
    const picked = pickChannel(channels, this.options.channelName);
    if (!picked) return this.fail(`the server lists no channel for ${identity.host}`);
    if (!picked.byName && this.options.channelName) this.options.log?.warn(`Remo channel ${JSON.stringify(this.options.channelName)} not found; joining ${picked.channel.name || picked.channel.id}`);
    socket.send(RemoEvent.joinChannel, picked.channel.id);
    socket.send(RemoEvent.getChat, picked.channel.chat);
    this.joined = { ...identity, channel: picked.channel };
    this.refused = false;
    this.failures = 0;
    this.connects += 1;
    this.setState("connected");
    this.options.onJoined?.(this.joined);
  }

  /** Push the silence deadline out. */
  private heard(socket: FrameSocket | undefined): void {
    if (this.silence !== undefined) this.options.clock.clearTimeout(this.silence);
    this.silence = this.options.clock.setTimeout(() => {
      this.silence = undefined;
      if (this.socket === socket) this.fail(`server silent for ${this.options.livenessMs} ms`);
    }, this.options.livenessMs);
  }

  private refuse(): void {
    if (!this.refused) this.options.log?.error("the Remo server refused the robot key: check platform.robot_key");
    this.refused = true;
    this.fail("the server refused the robot key");
  }

  /** A refused key waits the longest backoff: the owner may fix the key on the site. */
  protected retryDelay(): number {
    return this.refused ? this.backoff.capMs : super.retryDelay();
  }

  protected drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
  }
}
