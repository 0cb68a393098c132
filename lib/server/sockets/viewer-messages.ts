import { validCommand } from "../store/robot-record.ts";

/**
 * What viewers send and what they get back, validated at the edge (pure functions). Every viewer event
 * is acknowledged with `{ok: true, at}` or `{ok: false, error, message}`.
 */
export type ErrorCode = "invalid" | "unknown_robot" | "rate_limited" | "not_allowed" | "robot_offline" | "not_identified" | "bad_key" | "key_required" | "not_found" | "not_saved";

export type Refusal = { ok: false; error: ErrorCode; message: string };
export type Ack = { ok: true; at: number; [extra: string]: unknown } | Refusal;

export const refuse = (error: ErrorCode, message: string): Refusal => ({ ok: false, error, message });
export const isRefusal = (value: unknown): value is Refusal => typeof value === "object" && value !== null && (value as Refusal).ok === false;

type KeyPosition = "" | "down" | "up";

export interface CommandRequest {
  robotId: string;
  command: string;
  keyPosition: KeyPosition;
}

export interface ChatRequest {
  robotId: string;
  message: string;
}

export const maxChatLength = 500;

function object(data: unknown): Record<string, unknown> | undefined {
  return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
}

/** Untrusted input named in a reply: short text for strings and numbers, its kind otherwise (never calls its own toString). */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : typeof value;
}

/** A robot id as viewers send it: digits (numbers are accepted and turned into text). */
export function parseRobotId(value: unknown): string | undefined {
  const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
  return typeof text === "string" && /^[0-9]{1,20}$/.test(text) ? text : undefined;
}

/** `command_to_robot` from a viewer: `{robot_id, command, key_position?}`; a `user` field is ignored (the server knows who you are). */
export function parseCommand(data: unknown): CommandRequest | Refusal {
  const o = object(data);
  if (!o) return refuse("invalid", "command_to_robot needs an object {robot_id, command, key_position}");
  const robotId = parseRobotId(o.robot_id);
  if (!robotId) return refuse("invalid", "robot_id must be a string of digits");
  if (typeof o.command !== "string" || !validCommand(o.command)) {
    return refuse("invalid", "command must be 1-64 letters, digits or _ : . , + -");
  }
  const position = o.key_position ?? "";
  if (position !== "" && position !== "down" && position !== "up") return refuse("invalid", 'key_position must be "", "down" or "up"');
  return { robotId, command: o.command, keyPosition: position };
}

/** Chat text as the robot will read it: no control characters, whitespace collapsed. */
export function cleanChatText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** `chat_message` from a viewer: `{robot_id, message}`. */
export function parseChat(data: unknown): ChatRequest | Refusal {
  const o = object(data);
  if (!o) return refuse("invalid", "chat_message needs an object {robot_id, message}");
  const robotId = parseRobotId(o.robot_id);
  if (!robotId) return refuse("invalid", "robot_id must be a string of digits");
  if (typeof o.message !== "string") return refuse("invalid", "message must be text");
  const message = cleanChatText(o.message);
  if (message === "") return refuse("invalid", "message is empty");
  if (message.length > maxChatLength) return refuse("invalid", `message is longer than ${maxChatLength} characters`);
  return { robotId, message };
}

/** A colour for a user name, stable across sessions (the `username_color` field). */
export function nameColour(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + (c.codePointAt(0) ?? 0)) % 360;
  return `hsl(${h}, 70%, 65%)`;
}
