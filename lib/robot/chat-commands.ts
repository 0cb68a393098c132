import type { Config } from "../config/schema.ts";
import { isSilenced, type ModerationState, type Role, type Roles, roleOf, type Sender } from "./moderation.ts";

/**
 * Owner and moderator chat commands (`.table on`, `.ban USER`, …). Pure: a command and the current
 * moderation state in, the state changed in place plus a list of effects for the robot to carry out.
 */
type StreamOp = "start" | "stop" | "restart";

export type ChatEffect =
  | { kind: "stop" }
  | { kind: "video"; op: StreamOp }
  | { kind: "video-bitrate"; kbps: number }
  | { kind: "audio"; op: StreamOp }
  | { kind: "tts-mute"; muted: boolean }
  | { kind: "tts-volume"; volume: number }
  | { kind: "mic-mute"; muted: boolean }
  | { kind: "mute-user"; user: string; muted: boolean };

export interface ChatCommandResult {
  /** Text for the log/event stream (the platform has no robot → chat reply). */
  reply: string;
  effects: ChatEffect[];
  /** Set when the sender may not use the command or it was malformed. */
  refused?: boolean;
}

export interface ParsedChatCommand {
  name: string;
  args: string[];
}

const DEFAULT_TIMEOUT_S = 300;

const chatCommandHelp: Record<string, string> = {
  help: ".help - list the commands",
  table: ".table on|off - block forward/back",
  devmode: ".devmode on|off|mods - only the owner (or mods) drive",
  exclusive: ".exclusive USER|off - one user drives",
  ban: ".ban USER / .unban USER",
  timeout: `.timeout USER [seconds] (default ${DEFAULT_TIMEOUT_S}) / .untimeout USER`,
  tts: ".tts mute|unmute|vol N",
  mic: ".mic mute|unmute",
  video: ".video start|stop|restart|bitrate N",
  audio: ".audio start|stop|restart",
  stop: ".stop - emergency stop",
};

const commandNames = new Set([...Object.keys(chatCommandHelp), "unban", "untimeout"]);

/** `.name arg arg` → parts; undefined for text that is not a command. */
export function parseChatCommand(text: string): ParsedChatCommand | undefined {
  if (!text.startsWith(".")) return undefined;
  const [head = "", ...args] = text.slice(1).trim().split(/\s+/);
  return head ? { name: head.toLowerCase(), args } : undefined;
}

export interface ChatCommandContext {
  state: ModerationState;
  roles: Roles;
  behaviour: Pick<Config["behaviour"], "owner_commands" | "mod_commands">;
  now: number;
}

function allowed(role: Role, behaviour: ChatCommandContext["behaviour"]): boolean {
  return (role === "owner" && behaviour.owner_commands) || (role === "moderator" && behaviour.mod_commands);
}

const refuse = (reply: string): ChatCommandResult => ({ reply, effects: [], refused: true });
const ok = (reply: string, ...effects: ChatEffect[]): ChatCommandResult => ({ reply, effects });
const usage = (name: string) => refuse(`usage: ${chatCommandHelp[name] ?? name}`);

function onOff(value: string | undefined): boolean | undefined {
  const v = value?.toLowerCase();
  return v === "on" || v === "mute" ? true : v === "off" || v === "unmute" ? false : undefined;
}

function integer(text: string | undefined, min: number, max: number): number | undefined {
  if (!text || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

function streamOp(text: string | undefined): StreamOp | undefined {
  const v = text?.toLowerCase();
  return v === "start" || v === "stop" || v === "restart" ? v : undefined;
}

/** Run one chat command from `sender`, checking permissions first. */
export function runChatCommand(command: ParsedChatCommand, sender: Sender, ctx: ChatCommandContext): ChatCommandResult {
  const { state, roles } = ctx;
  if (command.name === "help") return ok(Object.values(chatCommandHelp).join("; "));
  if (!commandNames.has(command.name)) return refuse(`unknown command .${command.name}; try .help`);
  const role = roleOf(sender, roles);
  if (!allowed(role, ctx.behaviour) || (sender.user && isSilenced(state, sender.user, ctx.now))) {
    return refuse(`.${command.name} refused: ${sender.user || "anonymous"} is not the owner${ctx.behaviour.mod_commands ? " or a moderator" : ""}`);
  }
  const [first, second] = command.args;
  const target = first?.replace(/^@/, "");
  const protectedTarget = target && (roleOf({ user: target, anonymous: false }, roles) === "owner" || (role === "moderator" && roleOf({ user: target, anonymous: false }, roles) === "moderator"));
  switch (command.name) {
    case "table": {
      const on = onOff(first);
      if (on === undefined) return usage("table");
      state.table = on;
      return ok(`table mode ${on ? "on" : "off"}`);
    }
    case "devmode": {
      const v = first?.toLowerCase();
      if (v !== "on" && v !== "off" && v !== "mods") return usage("devmode");
      state.devmode = v;
      return ok(`dev mode ${v}`);
    }
    case "exclusive": {
      if (!target) return usage("exclusive");
      if (target.toLowerCase() === "off") {
        state.exclusive = undefined;
        return ok("exclusive control off");
      }
      state.exclusive = target;
      return ok(`${target} has exclusive control`);
    }
    case "ban":
    case "unban":
    case "timeout":
    case "untimeout": {
      if (!target) return usage(command.name.replace(/^un/, ""));
      if (protectedTarget) return refuse(`.${command.name} refused: ${target} cannot be moderated by ${sender.user}`);
      const key = target.toLowerCase();
      if (command.name === "ban") state.banned.add(key);
      if (command.name === "unban") state.banned.delete(key);
      if (command.name === "untimeout") state.timeouts.delete(key);
      if (command.name === "timeout") {
        const seconds = second === undefined ? DEFAULT_TIMEOUT_S : integer(second, 1, 86_400);
        if (seconds === undefined) return usage("timeout");
        state.timeouts.set(key, ctx.now + seconds * 1000);
        return ok(`${target} timed out for ${seconds} s`, { kind: "mute-user", user: target, muted: true });
      }
      const muted = command.name === "ban" || isSilenced(state, key, ctx.now);
      return ok(`${target} ${command.name}${command.name.endsWith("ban") ? "ned" : " lifted"}`, { kind: "mute-user", user: target, muted });
    }
    case "tts": {
      if (first?.toLowerCase() === "vol") {
        const volume = integer(second, 0, 100);
        return volume === undefined ? usage("tts") : ok(`speech volume ${volume}`, { kind: "tts-volume", volume });
      }
      const muted = onOff(first);
      return muted === undefined ? usage("tts") : ok(`speech ${muted ? "muted" : "unmuted"}`, { kind: "tts-mute", muted });
    }
    case "mic": {
      const muted = onOff(first);
      return muted === undefined ? usage("mic") : ok(`microphone ${muted ? "muted" : "unmuted"}`, { kind: "mic-mute", muted });
    }
    case "video": {
      if (first?.toLowerCase() === "bitrate") {
        const kbps = integer(second, 50, 20_000);
        return kbps === undefined ? usage("video") : ok(`video bitrate ${kbps} kbit/s`, { kind: "video-bitrate", kbps });
      }
      const op = streamOp(first);
      return op ? ok(`video ${op}`, { kind: "video", op }) : usage("video");
    }
    case "audio": {
      const op = streamOp(first);
      return op ? ok(`audio ${op}`, { kind: "audio", op }) : usage("audio");
    }
    case "stop":
      return ok("emergency stop", { kind: "stop" });
  }
  return refuse(`unknown command .${command.name}; try .help`);
}
