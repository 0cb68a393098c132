import type { Config } from "../config/schema.ts";
import { NetworkError, RejectedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type SocketChannel, type SocketFactory, waitConnected } from "../net/channel.ts";
import { probeSocket } from "../net/handshake.ts";
import { resolveSockets } from "../platform/client.ts";
import type { HostPort } from "../net/channel.ts";
import type { Step } from "./steps.ts";

/** One result line of `send`: what was sent, when, and what the server said. */
export interface SendResult {
  step: number;
  kind: "command" | "chat" | "click";
  command?: string;
  key_position?: string;
  text?: string;
  /** A click's `custom_event` data (`mousedown:X:Y`). */
  data?: string;
  sent_at: string;
  ack: boolean;
  latency_ms?: number;
  error?: string;
}

export interface ViewerSession {
  send(step: Exclude<Step, { kind: "wait" }>, index: number): Promise<SendResult>;
  /** Repeat the `down` of a held command (the robot stops a hold its dead-man after the last one). */
  refresh(command: string): Promise<void>;
  close(): void;
}

type Reply = { ok?: boolean; error?: string; message?: string } | undefined;

function refusal(reply: Reply, what: string): RejectedError | undefined {
  if (!reply || reply.ok !== false) return undefined;
  return new RejectedError(reply.error ?? "rejected", `server refused ${what}: ${reply.message ?? reply.error ?? "no reason given"}`, rejectionHint(reply.error));
}

export interface ViewerDeps {
  fetch: typeof fetch;
  log: Logger;
  connect: { v4: SocketFactory; v2: SocketFactory };
  signal?: AbortSignal;
}

export interface ViewerOptions {
  user?: string;
  ownerToken?: string;
  ackTimeoutMs: number;
}

async function chooseFactory(platform: Config["platform"], target: HostPort, deps: ViewerDeps): Promise<SocketFactory> {
  if (platform.socket_version === "2") return deps.connect.v2;
  if (platform.socket_version === "4") return deps.connect.v4;
  const probe = await probeSocket(target, { fetch: deps.fetch, timeoutMs: platform.timeout_ms });
  return probe.engineIo.includes(4) || !probe.engineIo.includes(3) ? deps.connect.v4 : deps.connect.v2;
}

function emitWithAck(channel: SocketChannel, event: string, payload: unknown, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new NetworkError(`no acknowledgement within ${timeoutMs} ms`, "the server may be overloaded, or too old to acknowledge (pass --timeout to wait longer)")), timeoutMs);
    channel.emit(event, payload, (reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

/** Connect as a viewer of the configured robot: commands go to the control server, chat to the chat server. */
export async function openViewer(config: Config, options: ViewerOptions, deps: ViewerDeps): Promise<ViewerSession> {
  const platform = config.platform;
  const { control, chat } = await resolveSockets(platform, { fetch: deps.fetch, log: deps.log, signal: deps.signal });
  const factory = await chooseFactory(platform, control, deps);
  const auth: Record<string, string> = {};
  if (options.user) auth.name = options.user;
  if (options.ownerToken) auth.token = options.ownerToken;
  const open = async (target: HostPort): Promise<SocketChannel> => {
    const channel = factory({ url: `http://${target.host}:${target.port}`, auth, reconnect: false, timeoutMs: platform.timeout_ms });
    try {
      await waitConnected(channel, platform.timeout_ms);
    } catch (error) {
      channel.close();
      throw new NetworkError(`cannot connect to ${target.host}:${target.port}: ${(error as Error).message}`, `is the server at ${target.host}:${target.port} running?`, { cause: error });
    }
    return channel;
  };
  const controlChannel = await open(control);
  const sameServer = chat.host === control.host && chat.port === control.port;
  const chatChannel = sameServer ? controlChannel : await open(chat);

  const command = (word: string, keyPosition: string) => ({ robot_id: platform.robot_id, command: word, key_position: keyPosition, user: options.user });

  return {
    async send(step, index) {
      const sentAt = new Date();
      const started = performance.now();
      const [channel, event, payload, base] =
        step.kind === "command"
          ? ([controlChannel, "command_to_robot", command(step.command, step.keyPosition), { command: step.command, key_position: step.keyPosition }] as const)
          : step.kind === "click"
            ? ([controlChannel, "custom_event", { robot_id: platform.robot_id, data: step.data }, { data: step.data }] as const)
            : ([chatChannel, "chat_message", { robot_id: platform.robot_id, message: step.text }, { text: step.text }] as const);
      const reply = (await emitWithAck(channel, event, payload, options.ackTimeoutMs)) as Reply;
      const latency = Math.round((performance.now() - started) * 100) / 100;
      const result: SendResult = { step: index, kind: step.kind, ...base, sent_at: sentAt.toISOString(), ack: true, latency_ms: latency };
      const refused = refusal(reply, step.kind === "command" ? `command ${step.command}` : step.kind === "click" ? `click ${step.data}` : "chat");
      if (refused) throw Object.assign(refused, { result: { ...result, error: reply?.error ?? "rejected" } });
      return result;
    },
    async refresh(word) {
      const refused = refusal((await emitWithAck(controlChannel, "command_to_robot", command(word, "down"), options.ackTimeoutMs)) as Reply, `the hold of ${word}`);
      if (refused) throw refused;
    },
    close() {
      controlChannel.close();
      if (chatChannel !== controlChannel) chatChannel.close();
    },
  };
}

function rejectionHint(code: string | undefined): string {
  switch (code) {
    case "rate_limited":
      return "slow down: pass a larger --interval";
    case "unknown_robot":
      return "check platform.robot_id / --robot-id";
    case "not_allowed":
      return "the robot is under exclusive control or you are blocked; owner actions need --as-owner";
    case "robot_offline":
      return "start the robot (`letsrobot run` with its config) and send again once it says it is online";
    default:
      return "check the command and its length";
  }
}
