/**
 * Twitch chat control: log in to Twitch IRC over websocket, join the channel, turn chat lines into robot
 * commands through the ChatControl policy, and stay connected (PING/PONG both ways, RECONNECT, capped
 * backoff). Orchestration only: parsing is irc.ts, the rules are control.ts, the socket is socket.ts.
 */
import type { Deps } from "../deps.ts";
import { AuthError, NetworkError } from "../errors.ts";
import { type BackoffOptions, backoffDelay } from "../net/backoff.ts";
import type { TwitchCommand } from "./commands.ts";
import { ChatControl, type IgnoreReason } from "./control.ts";
import { type IrcMessage, loginLines, nickOf, parseIrcLine, toChatLine } from "./irc.ts";
import type { Clock } from "./limits.ts";
import { chatPlan, type TwitchConfig } from "./plan.ts";
import { connectLineSocket, type LineSocket, type LineSocketFactory } from "./socket.ts";

export type ChatState = "connecting" | "joined" | "reconnecting" | "failed" | "closed";

export interface ChatStatus {
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
  now?: Clock;
  /** The line transport (default: the websocket adapter). */
  connect?: LineSocketFactory;
}

export interface ChatTuning {
  backoff: BackoffOptions;
  /** Send our own PING after this much silence… */
  pingIntervalMs: number;
  /** …and reconnect when nothing arrives this long after it. */
  pongTimeoutMs: number;
  /** Reject start when not joined this soon (0 = resolve at once and keep trying in the background). */
  startTimeoutMs: number;
}

export const defaultTuning: ChatTuning = {
  backoff: { baseMs: 1000, capMs: 30_000, jitter: 0.2 },
  pingIntervalMs: 60_000,
  pongTimeoutMs: 10_000,
  startTimeoutMs: 15_000,
};

/** NOTICE texts Twitch sends (then closes) when the login itself is refused: retrying cannot help. */
const authFailures = [/login authentication failed/i, /improperly formatted auth/i, /invalid nick/i];

/** Connect, log in and join; resolves once joined (see ChatTuning.startTimeoutMs). Throws ConfigError for bad keys. */
export async function startTwitchChat(config: TwitchConfig, deps: Pick<Deps, "log"> & ChatHooks, tuning: Partial<ChatTuning> = {}): Promise<TwitchChat> {
  const plan = chatPlan(config);
  const tune = { ...defaultTuning, ...tuning };
  const now = deps.now ?? Date.now;
  const connect = deps.connect ?? connectLineSocket;
  const log = deps.log.withTag("twitch");
  const control = new ChatControl(plan.policy, plan.vocabulary, now);
  const status: ChatStatus = { state: "connecting", channel: plan.channel, nick: plan.nick, anonymous: !plan.token, joins: 0, messages: 0, sent: 0, votes: 0, ignored: {} };

  let socket: LineSocket | undefined;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let liveTimer: ReturnType<typeof setTimeout> | undefined;
  let voteTimer: ReturnType<typeof setTimeout> | undefined;
  let socketClosed: (() => void) | undefined;
  let started: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const startPromise = new Promise<void>((resolve, reject) => {
    started = { resolve, reject };
  });

  const finished = () => status.state === "closed" || status.state === "failed";

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

  const onChat = (message: IrcMessage) => {
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

  const keepAlive = () => {
    clearTimeout(liveTimer);
    if (finished()) return;
    liveTimer = setTimeout(() => {
      socket?.send("PING :letsrobot");
      liveTimer = setTimeout(() => {
        log.warn(`Twitch chat silent for ${tune.pingIntervalMs + tune.pongTimeoutMs} ms; reconnecting`);
        socket?.close();
      }, tune.pongTimeoutMs);
    }, tune.pingIntervalMs);
  };

  const fail = (error: Error) => {
    status.state = "failed";
    status.lastError = error.message;
    log.error(error.message);
    started?.reject(error);
    socket?.close();
  };

  const onLine = (text: string) => {
    keepAlive();
    const message = parseIrcLine(text);
    if (!message) return;
    switch (message.command) {
      case "PING":
        socket?.send(`PONG :${message.params.at(-1) ?? "tmi.twitch.tv"}`);
        return;
      case "PRIVMSG":
        return onChat(message);
      case "JOIN":
        if (nickOf(message.prefix) === plan.nick && message.params[0]?.toLowerCase() === `#${plan.channel}`) {
          status.state = "joined";
          status.joins += 1;
          attempt = 0;
          log.success(`joined Twitch chat #${plan.channel} as ${plan.nick}${plan.token ? "" : " (anonymous, read-only)"}`);
          started?.resolve();
        }
        return;
      case "RECONNECT":
        log.info("Twitch asked us to reconnect");
        attempt = 0;
        socket?.close();
        return;
      case "NOTICE": {
        const text = message.params.at(-1) ?? "";
        if (authFailures.some((pattern) => pattern.test(text)))
          return fail(new AuthError(`Twitch refused the chat login of ${plan.nick}: ${text}`, "check twitch.bot_login and twitch.oauth_token (a user token with chat:read; it may have expired)"));
        log.warn(`Twitch: ${text}`);
        return;
      }
    }
  };

  const open = () => {
    if (finished()) return;
    status.state = status.joins > 0 ? "reconnecting" : "connecting";
    log.start(`connecting to Twitch chat #${plan.channel}`);
    const current = connect(plan.url, {
      open: () => {
        keepAlive();
        for (const line of loginLines({ nick: plan.nick, token: plan.token, channel: plan.channel })) current.send(line);
      },
      line: (text) => {
        if (socket === current) onLine(text);
      },
      close: (reason) => {
        if (socket !== current) return;
        socket = undefined;
        clearTimeout(liveTimer);
        socketClosed?.();
        if (finished()) return;
        status.state = "reconnecting";
        status.lastError = reason;
        const delay = backoffDelay(attempt, tune.backoff);
        attempt += 1;
        log.warn(`Twitch chat connection lost (${reason}); reconnecting in ${delay} ms`);
        retryTimer = setTimeout(open, delay);
      },
    });
    socket = current;
  };

  open();
  if (tune.startTimeoutMs > 0) {
    const timer = setTimeout(() => {
      if (status.joins === 0 && !finished())
        fail(new NetworkError(`could not join Twitch chat #${plan.channel} within ${tune.startTimeoutMs} ms${status.lastError ? ` (${status.lastError})` : ""}`, `check the network and twitch.irc_url (${plan.url})`));
    }, tune.startTimeoutMs);
    try {
      await startPromise;
    } catch (error) {
      await close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  } else {
    startPromise.catch(() => undefined);
  }

  async function close(): Promise<void> {
    if (status.state !== "failed") status.state = "closed";
    clearTimeout(retryTimer);
    clearTimeout(liveTimer);
    clearTimeout(voteTimer);
    voteTimer = undefined;
    const current = socket;
    if (!current) return;
    const gone = new Promise<void>((resolve) => {
      socketClosed = resolve;
    });
    current.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
  }

  return { status: () => structuredClone(status), close };
}
