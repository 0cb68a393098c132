/**
 * Twitch chat control: the entry point `run`/`serve` call. Keeps an IRC session (connection.ts), turns
 * channel messages into robot commands through the ChatControl policy (control.ts), runs the vote timer,
 * and reports a status. Orchestration only.
 */
import type { Deps } from "../deps.ts";
import { NetworkError } from "../errors.ts";
import type { TwitchCommand } from "./commands.ts";
import { type ConnectionTuning, type IrcConnection, openIrcConnection } from "./connection.ts";
import { ChatControl, type IgnoreReason } from "./control.ts";
import { type IrcMessage, toChatLine } from "./irc.ts";
import type { Clock } from "../clock.ts";
import { chatPlan, type TwitchConfig } from "./plan.ts";
import { connectLineSocket, type LineSocketFactory } from "./socket.ts";

type ChatState = "connecting" | "joined" | "reconnecting" | "failed" | "closed";

interface ChatStatus {
  state: ChatState;
  channel: string;
  /** The login used; justinfan… when reading anonymously. */
  nick: string;
  anonymous: boolean;
  /** Successful joins so far (1 after start, more after reconnects). */
  joins: number;
  lastError?: string;
  /** Chat messages seen in the channel. */
  messages: number;
  /** Commands handed to onCommand. */
  sent: number;
  votes: number;
  ignored: Partial<Record<IgnoreReason, number>>;
}

export interface TwitchChat {
  status(): ChatStatus;
  /** Leave chat and stop reconnecting. Safe to call twice. */
  close(): Promise<void>;
}

export interface ChatHooks {
  /** Each accepted command (direct mode) or vote winner (vote mode). Errors are logged, never thrown back. */
  onCommand(command: TwitchCommand): void;
  now?: Clock["now"];
  /** The line transport (default: the websocket adapter). */
  connect?: LineSocketFactory;
}

export interface ChatTuning extends ConnectionTuning {
  /** Reject start when not joined this soon (0 = resolve at once and keep trying in the background). */
  startTimeoutMs: number;
}

const defaultTuning: ChatTuning = {
  backoff: { baseMs: 1000, capMs: 30_000, jitter: 0.2 },
  pingIntervalMs: 60_000,
  pongTimeoutMs: 10_000,
  startTimeoutMs: 15_000,
};

/**
 * Connect, log in and join; resolves once joined (see ChatTuning.startTimeoutMs). Throws ConfigError for bad
 * keys, AuthError when Twitch refuses the login, NetworkError when not joined in time, and the abort reason
 * when `shutdown` fires first. After start, `shutdown` closes the chat too.
 */
export async function startTwitchChat(
  config: TwitchConfig,
  deps: Pick<Deps, "log"> & Partial<Pick<Deps, "shutdown">> & ChatHooks,
  tuning: Partial<ChatTuning> = {},
): Promise<TwitchChat> {
  const plan = chatPlan(config);
  const tune = { ...defaultTuning, ...tuning };
  const now = deps.now ?? Date.now;
  const log = deps.log.withTag("twitch");
  deps.shutdown?.throwIfAborted();
  const control = new ChatControl(plan.policy, plan.vocabulary, now);
  const status: ChatStatus = { state: "connecting", channel: plan.channel, nick: plan.nick, anonymous: !plan.token, joins: 0, messages: 0, sent: 0, votes: 0, ignored: {} };
  let voteTimer: ReturnType<typeof setTimeout> | undefined;
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const joinedOnce = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  joinedOnce.catch(() => undefined);

  const deliver = (command: TwitchCommand) => {
    status.sent += 1;
    try {
      deps.onCommand(command);
    } catch (error) {
      log.warn(`the robot did not take ${command.command}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const armVote = () => {
    const closesAt = control.voteClosesAt;
    if (closesAt === undefined || voteTimer) return;
    voteTimer = setTimeout(() => {
      voteTimer = undefined;
      const winner = control.tick();
      if (winner) {
        log.info(`vote: ${winner.command} wins with ${winner.votes?.winner} of ${winner.votes?.total}`);
        deliver(winner);
      }
      armVote();
    }, Math.max(0, closesAt - now()));
  };

  const onMessage = (message: IrcMessage) => {
    if (message.command === "NOTICE") {
      status.lastError = message.params.at(-1);
      log.warn(`Twitch: ${status.lastError}`);
      return;
    }
    const line = toChatLine(message);
    if (!line || line.channel !== plan.channel) return;
    status.messages += 1;
    const decision = control.handle(line);
    if (decision.kind === "send") {
      log.debug(`${line.displayName}: ${decision.command.command}`);
      deliver(decision.command);
    } else if (decision.kind === "vote") {
      status.votes += 1;
      armVote();
    } else if (decision.reason !== "not_a_command") {
      status.ignored[decision.reason] = (status.ignored[decision.reason] ?? 0) + 1;
      log.debug(`ignored ${decision.command} from ${line.displayName}: ${decision.reason}`);
    }
  };

  log.start(`connecting to Twitch chat #${plan.channel}`);
  const connection: IrcConnection = openIrcConnection(
    { ...tune, url: plan.url, nick: plan.nick, token: plan.token, channel: plan.channel, connect: deps.connect ?? connectLineSocket, log },
    {
      joined() {
        status.state = "joined";
        status.joins += 1;
        log.success(`joined Twitch chat #${plan.channel} as ${plan.nick}${plan.token ? "" : " (anonymous, read-only)"}`);
        settle?.resolve();
      },
      message: onMessage,
      lost(reason, delayMs) {
        status.state = "reconnecting";
        status.lastError = reason;
        log.warn(`Twitch chat connection lost (${reason}); reconnecting in ${delayMs} ms`);
      },
      fatal(error) {
        status.state = "failed";
        status.lastError = error.message;
        log.error(error.message);
        settle?.reject(error);
      },
    },
  );

  async function close(): Promise<void> {
    deps.shutdown?.removeEventListener("abort", onAbort);
    if (status.state !== "failed") status.state = "closed";
    clearTimeout(voteTimer);
    voteTimer = undefined;
    await connection.close();
  }
  function onAbort() {
    settle?.reject(deps.shutdown?.reason);
    void close();
  }
  deps.shutdown?.addEventListener("abort", onAbort, { once: true });

  if (tune.startTimeoutMs > 0) {
    const timer = setTimeout(() => {
      const why = status.lastError ? ` (${status.lastError})` : "";
      settle?.reject(new NetworkError(`could not join Twitch chat #${plan.channel} within ${tune.startTimeoutMs} ms${why}`, `check the network and twitch.irc_url (${plan.url})`));
    }, tune.startTimeoutMs);
    try {
      await joinedOnce;
    } catch (error) {
      if (!deps.shutdown?.aborted) status.state = "failed";
      await close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
  return { status: () => structuredClone(status), close };
}
