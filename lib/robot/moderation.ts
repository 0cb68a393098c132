import type { Config } from "../config/schema.ts";
import { type Action, isMotion } from "../hardware/driver.ts";

/** Who may do what right now: the robot's moderation state, changed by chat commands and platform events. */
export interface ModerationState {
  /** `.table on`: forward/back are blocked so the robot cannot drive off a table. */
  table: boolean;
  /** `.devmode on` = only the owner drives; `mods` = owner and moderators. */
  devmode: "off" | "on" | "mods";
  /** Sole driver set with `.exclusive USER`. */
  exclusive?: string;
  /** Sole driver granted by the platform's `exclusive_control` event. */
  platformExclusive?: string;
  banned: Set<string>;
  /** User (lower case) → clock time the timeout ends. */
  timeouts: Map<string, number>;
}

export interface Roles {
  owner: string;
  moderators: readonly string[];
}

export type Role = "owner" | "moderator" | "user" | "anonymous";

export interface Sender {
  user: string;
  anonymous: boolean;
}

export function newModeration(): ModerationState {
  return { table: false, devmode: "off", banned: new Set(), timeouts: new Map() };
}

const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

export function roleOf(sender: Sender, roles: Roles): Role {
  if (sender.anonymous || !sender.user) return "anonymous";
  if (same(sender.user, roles.owner)) return "owner";
  if (roles.moderators.some((m) => same(m, sender.user))) return "moderator";
  return "user";
}

/** Banned or in a running timeout (owners never are). */
export function isSilenced(state: ModerationState, user: string, now: number): boolean {
  const key = user.toLowerCase();
  if (state.banned.has(key)) return true;
  const until = state.timeouts.get(key);
  if (until === undefined) return false;
  if (until > now) return true;
  state.timeouts.delete(key);
  return false;
}

/** Forward or back: both sides turning the same way. */
function isStraight(action: Action): boolean {
  return isMotion(action) && action.kind === "drive" && Math.sign(action.left) === Math.sign(action.right);
}

/** Why `sender` may not run `action` now, or undefined when allowed. */
export function refusal(
  state: ModerationState,
  sender: Sender,
  action: Action,
  roles: Roles,
  behaviour: Pick<Config["behaviour"], "anonymous_control">,
  now: number,
): string | undefined {
  const role = roleOf(sender, roles);
  if (role === "owner") return state.table && isStraight(action) ? "table mode blocks forward/back" : undefined;
  if (role === "anonymous" && !behaviour.anonymous_control) return "anonymous viewers may not drive";
  if (sender.user && isSilenced(state, sender.user, now)) return `${sender.user} is banned or timed out`;
  if (state.devmode === "on") return "dev mode: only the owner drives";
  if (state.devmode === "mods" && role !== "moderator") return "dev mode: only the owner and moderators drive";
  const sole = state.exclusive ?? state.platformExclusive;
  if (sole && !same(sole, sender.user)) return `${sole} has exclusive control`;
  if (state.table && isStraight(action)) return "table mode blocks forward/back";
  return undefined;
}
