/**
 * Decoding what the platform sends to a robot (docs/protocol.md 1.3). Pure: raw socket payloads in,
 * one normalised shape out, or undefined when the payload is not for this robot or is malformed.
 */

export type KeyPosition = "" | "down" | "up";

export interface RobotCommand {
  /** The command word as sent (LetsRobot upper case, Remo lower case); trimmed. */
  command: string;
  user: string;
  anonymous: boolean;
  keyPosition: KeyPosition;
}

export interface ChatMessage {
  /** The platform's message id (for `message_removed`); may be empty. */
  id: string;
  user: string;
  anonymous: boolean;
  /** The text after the `[robotname] ` prefix, trimmed. */
  text: string;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function word(value: unknown): string {
  if (typeof value === "number") return String(value);
  return typeof value === "string" ? value.trim() : "";
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === "true" || value === "1";
}

/** A payload's robot id matches ours; a payload without one is accepted (some servers only send to the robot). */
function isForRobot(payload: Record<string, unknown>, robotId: string): boolean {
  const id = word(payload.robot_id);
  return id === "" || id === robotId;
}

/** The user field arrives as a name string or as `{username, anonymous}`. */
function normaliseUser(payload: Record<string, unknown>): { user: string; anonymous: boolean } {
  const user = payload.user;
  const nested = record(user);
  if (nested) {
    const name = word(nested.username ?? nested.name);
    return { user: name, anonymous: truthy(nested.anonymous) || truthy(payload.anonymous) || name === "" };
  }
  const name = word(user ?? payload.username);
  return { user: name, anonymous: truthy(payload.anonymous) || name === "" };
}

function keyPosition(value: unknown): KeyPosition {
  const text = word(value).toLowerCase();
  return text === "down" || text === "up" ? text : "";
}

/** The three `command_to_robot` shapes → one; undefined when not ours or empty. */
export function normaliseCommand(raw: unknown, robotId: string): RobotCommand | undefined {
  const payload = record(raw);
  if (!payload || !isForRobot(payload, robotId)) return undefined;
  const command = word(payload.command);
  if (!command) return undefined;
  return { command, ...normaliseUser(payload), keyPosition: keyPosition(payload.key_position) };
}

/** Everything up to and including the first `]` is the robot-name prefix. */
export function stripRobotPrefix(message: string): string {
  const end = message.indexOf("]");
  return (end >= 0 ? message.slice(end + 1) : message).trim();
}

/** `chat_message_with_name` → a chat message for this robot; undefined when not ours or empty. */
export function normaliseChat(raw: unknown, robotId: string): ChatMessage | undefined {
  const payload = record(raw);
  if (!payload || !isForRobot(payload, robotId)) return undefined;
  const text = stripRobotPrefix(typeof payload.message === "string" ? payload.message : "");
  if (!text) return undefined;
  const name = word(payload.name ?? payload.username);
  const who = name ? { user: name, anonymous: truthy(payload.anonymous) } : normaliseUser(payload);
  return { id: word(payload._id ?? payload.message_id ?? payload.id), ...who, text };
}

/** Text starting with `.` is a chat command, not speech. */
export function isChatCommand(text: string): boolean {
  return text.startsWith(".");
}

/** `exclusive_control` → who now has sole control (undefined = everyone again). */
export function normaliseExclusive(raw: unknown, robotId: string): { active: boolean; user?: string } | undefined {
  const payload = record(raw);
  if (!payload || !isForRobot(payload, robotId)) return undefined;
  const status = word(payload.status).toLowerCase();
  if (status !== "start" && status !== "end") return undefined;
  const user = normaliseUser(payload).user || undefined;
  return status === "start" ? { active: true, user } : { active: false };
}

/** `message_removed` → the id of the removed message. */
export function removedMessageId(raw: unknown): string | undefined {
  const payload = record(raw);
  const id = payload ? word(payload.message_id ?? payload._id ?? payload.id) : word(raw);
  return id || undefined;
}
