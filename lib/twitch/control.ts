/**
 * The chat command policy: a chat line in, a decision out (send a command, count a vote, or ignore it and
 * why). Pure apart from the injected clock, so every rule is table-tested without a network.
 *
 * Order of checks: is it a command → mod-only → `stop` passes at once (safety) → per-user cooldown →
 * per-user rate → global rate (direct mode) or ballot (vote mode). Only accepted input uses up a limit.
 */
import { commandFromChat, isModOnly, isSafety, type TwitchCommand, type Vocabulary } from "./commands.ts";
import type { ChatLine } from "./irc.ts";
import type { Clock } from "../clock.ts";
import { cooldown, perPeriod, type RateLimiter } from "../rate-limit.ts";
import { VoteBox } from "./vote.ts";

export interface ChatPolicy {
  mode: "direct" | "vote";
  /** Least time between two accepted commands of one user; 0 = none. */
  userCooldownMs: number;
  /** Accepted commands per user per minute; 0 = no limit. */
  userPerMinute: number;
  /** Commands sent to the robot per second from all of chat (direct mode); 0 = no limit. */
  globalPerSecond: number;
  /** Vote mode: how long a vote stays open after its first ballot. */
  voteWindowMs: number;
}

export type IgnoreReason = "not_a_command" | "mod_only" | "cooldown" | "user_rate" | "global_rate" | "vote_full";

export type Decision =
  | { kind: "send"; command: TwitchCommand }
  | { kind: "vote"; command: string; opened: boolean; closesAt: number }
  | { kind: "ignore"; reason: IgnoreReason; command?: string };

export class ChatControl {
  private readonly cooldowns: RateLimiter;
  private readonly userRate: RateLimiter;
  private readonly globalRate: RateLimiter;
  private readonly votes: VoteBox;

  constructor(
    private readonly policy: ChatPolicy,
    private readonly vocabulary: Vocabulary,
    now: Clock["now"],
  ) {
    this.cooldowns = cooldown(policy.userCooldownMs, now);
    this.userRate = perPeriod(policy.userPerMinute, 60_000, now);
    this.globalRate = perPeriod(policy.globalPerSecond, 1000, now);
    this.votes = new VoteBox(policy.voteWindowMs, now);
  }

  /** When the running vote closes (call `tick` then); undefined when none is running. */
  get voteClosesAt(): number | undefined {
    return this.votes.closesAt;
  }

  handle(line: ChatLine): Decision {
    const command = commandFromChat(line.text, this.vocabulary);
    if (!command) return { kind: "ignore", reason: "not_a_command" };
    if (isModOnly(command, this.vocabulary) && !line.mod) return { kind: "ignore", reason: "mod_only", command };
    if (isSafety(command)) return { kind: "send", command: fromChat(line, command) };
    const user = line.userId || line.login;
    if (!this.cooldowns.peek(user)) return { kind: "ignore", reason: "cooldown", command };
    if (!this.userRate.peek(user)) return { kind: "ignore", reason: "user_rate", command };
    if (this.policy.mode === "vote") {
      const ballot = this.votes.cast(user, command);
      if (!ballot) return { kind: "ignore", reason: "vote_full", command };
      this.takeUser(user);
      return { kind: "vote", command, ...ballot };
    }
    if (!this.globalRate.take("*")) return { kind: "ignore", reason: "global_rate", command };
    this.takeUser(user);
    return { kind: "send", command: fromChat(line, command) };
  }

  /** Close a due vote: the winner to send, or undefined. */
  tick(): TwitchCommand | undefined {
    const result = this.votes.closeIfDue();
    if (!result) return undefined;
    return {
      source: "chat",
      command: result.command,
      user: "twitch-vote",
      userId: "",
      anonymous: false,
      mod: false,
      role: "viewer",
      keyPosition: "",
      votes: { winner: result.votes, total: result.total },
    };
  }

  private takeUser(user: string): void {
    this.cooldowns.take(user);
    this.userRate.take(user);
  }
}

function fromChat(line: ChatLine, command: string): TwitchCommand {
  return {
    source: "chat",
    command,
    user: line.displayName,
    userId: line.userId,
    anonymous: false,
    mod: line.mod,
    role: line.broadcaster ? "broadcaster" : line.mod ? "moderator" : "viewer",
    keyPosition: "",
  };
}
