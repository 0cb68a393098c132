import type { ChatMessage, KeyPosition, RobotCommand } from "../robot/payload.ts";

/**
 * The Remo.tv wire protocol (docs/protocol.md 2), pure: `{e, d}` JSON frames in and out, and the Remo payloads
 * turned into the robot loop's own command and chat shapes (lib/robot/payload.ts), so one executor and one
 * chat path serve both protocols. Used by the robot (lib/remo/*) and by `serve`'s Remo endpoint.
 */
export const RemoEvent = {
  authenticate: "AUTHENTICATE_ROBOT",
  validated: "ROBOT_VALIDATED",
  invalidToken: "INVALID_TOKEN",
  joinChannel: "JOIN_CHANNEL",
  getChat: "GET_CHAT",
  buttonCommand: "BUTTON_COMMAND",
  messageReceived: "MESSAGE_RECEIVED",
  robotMessage: "ROBOT_MESSAGE_SENT",
  moderation: "LOCAL_MODERATION",
  error: "ERROR",
} as const;

export interface RemoFrame {
  e: string;
  d: unknown;
}

/** A Remo channel as the channel list answers it: the robot joins `id` and reads chat `chat`. */
export interface RemoChannel {
  id: string;
  name: string;
  chat: string;
}

/** Where a validated robot lives on the server: `id` is the robot, `host` the server id used for lookups. */
export interface RemoIdentity {
  id: string;
  host: string;
}

/** A Remo chat message with the fields beyond the robot loop's shape. */
export interface RemoChat extends ChatMessage {
  channelId: string;
  badges: string[];
}

export function encodeFrame(e: string, d: unknown): string {
  return JSON.stringify({ e, d });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" ? value.trim() : "";
}

const truthy = (value: unknown) => value === true || value === 1 || value === "true";

/** One text frame → `{e, d}`; undefined for anything else (bad JSON, no event name). */
export function decodeFrame(raw: string): RemoFrame | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const frame = record(parsed);
  const e = frame ? text(frame.e) : "";
  return frame && e ? { e, d: frame.d } : undefined;
}

/** `ROBOT_VALIDATED {id, host}`; undefined when the host is missing (it is needed for the channel lookup). */
export function parseValidated(d: unknown): RemoIdentity | undefined {
  const o = record(d);
  const host = o ? text(o.host) : "";
  return o && host ? { id: text(o.id), host } : undefined;
}

/** The channel list answer `{channels: [{id, name, chat}]}`; entries without an id are skipped. */
export function parseChannels(body: unknown): RemoChannel[] {
  const list = record(body)?.channels;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const c = record(item);
    const id = c ? text(c.id) : "";
    return c && id ? [{ id, name: text(c.name), chat: text(c.chat) }] : [];
  });
}

/** The channel named `name` (case-insensitive), else the first one, as Remo clients do. */
export function pickChannel(channels: RemoChannel[], name: string): { channel: RemoChannel; byName: boolean } | undefined {
  const wanted = name.trim().toLowerCase();
  const named = wanted ? channels.find((c) => c.name.toLowerCase() === wanted) : undefined;
  if (named) return { channel: named, byName: true };
  const first = channels[0];
  return first ? { channel: first, byName: false } : undefined;
}

function keyPosition(value: unknown): KeyPosition {
  const t = text(value).toLowerCase();
  return t === "down" || t === "up" ? t : "";
}

/**
 * `BUTTON_COMMAND {user: {username, …}, button: {id, label, command, …}, channel, …}` → a robot command.
 * The command is `button.command`, lower-cased. A `channel` other than ours is not for this robot. Remo has
 * no key positions; a `key_position` field (sent by `letsrobot serve` for held buttons) is honoured.
 */
export function toRobotCommand(d: unknown, channelId?: string): RobotCommand | undefined {
  const o = record(d);
  if (!o) return undefined;
  const channel = text(o.channel ?? o.channel_id);
  if (channelId && channel && channel !== channelId) return undefined;
  const command = text(record(o.button)?.command).toLowerCase();
  if (!command) return undefined;
  const user = record(o.user);
  const username = user ? text(user.username ?? user.name) : text(o.user);
  return { command, user: username, anonymous: username === "" || truthy(user?.anonymous) || truthy(o.anonymous), keyPosition: keyPosition(o.key_position) };
}

/**
 * `MESSAGE_RECEIVED {message, sender, channel_id, type, badges, …}` → a chat message for this robot.
 * Messages of other channels and the robot's own (`type: "robot"`, echoed back) are dropped.
 */
export function toChatMessage(d: unknown, channelId: string): RemoChat | undefined {
  const o = record(d);
  if (!o) return undefined;
  const channel = text(o.channel_id ?? o.channel);
  if (channel && channel !== channelId) return undefined;
  if (text(o.type).toLowerCase() === "robot") return undefined;
  const message = text(o.message);
  if (!message) return undefined;
  const sender = text(o.sender ?? o.username);
  const badges = Array.isArray(o.badges) ? o.badges.map(text).filter((b) => b !== "") : [];
  return { id: text(o.id ?? o._id), user: sender, anonymous: sender === "" || truthy(o.anonymous), text: message, channelId: channel || channelId, badges };
}

/** `ROBOT_MESSAGE_SENT`: what the robot says in its channel's chat. */
export function robotMessage(message: string, where: { chat: string; host: string; channelId: string }) {
  return { message, chatId: where.chat, server_id: where.host, channel_id: where.channelId };
}

/** Remo's media upload: `{base}/transmit?name={channel_id}-{video|audio}`; base defaults to the server host, port 1567. */
export function transmitUrl(base: string, channelId: string, kind: "video" | "audio"): string {
  const url = new URL("/transmit", base);
  url.searchParams.set("name", `${channelId}-${kind}`);
  return url.toString();
}

/** `{channel_id}-{kind}` from a `/transmit` or `/receive` name. */
export function parseStreamName(name: string): { channelId: string; kind: "video" | "audio" } | undefined {
  const match = /^(.+)-(video|audio)$/.exec(name);
  return match ? { channelId: match[1] ?? "", kind: match[2] as "video" | "audio" } : undefined;
}
