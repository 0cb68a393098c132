/**
 * One Twitch IRC session kept alive: connect, log in, join, answer PING, send our own PING after silence,
 * follow RECONNECT, and reconnect with capped backoff after a lost connection. A refused login is fatal
 * (retrying with the same token cannot help). Knows nothing about commands: it hands up IRC messages.
 */
import { AuthError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type BackoffOptions, backoffDelay } from "../net/backoff.ts";
import { type IrcMessage, loginLines, nickOf, parseIrcLine } from "./irc.ts";
import type { LineSocket, LineSocketFactory } from "./socket.ts";

export interface ConnectionTuning {
  backoff: BackoffOptions;
  /** Send our own PING after this much silence… */
  pingIntervalMs: number;
  /** …and reconnect when nothing arrives this long after it. */
  pongTimeoutMs: number;
}

export interface ConnectionOptions extends ConnectionTuning {
  url: string;
  nick: string;
  /** "" = anonymous. Secret: sent in PASS, never logged. */
  token: string;
  channel: string;
  connect: LineSocketFactory;
  log: Logger;
}

export interface ConnectionEvents {
  /** Joined the channel (again, after a reconnect). */
  joined(): void;
  /** Every message other than the ones handled here (PING, PONG, JOIN, RECONNECT, auth NOTICEs). */
  message(message: IrcMessage): void;
  /** Connection lost; the next attempt follows after `delayMs`. */
  lost(reason: string, delayMs: number): void;
  /** Twitch refused the login: no more attempts. */
  fatal(error: AuthError): void;
}

export interface IrcConnection {
  /** Stop for good; resolves when the socket has closed (at most about a second). */
  close(): Promise<void>;
}

/** NOTICE texts Twitch sends (then closes) when the login itself is refused. */
const authFailures = [/login authentication failed/i, /login unsuccessful/i, /improperly formatted auth/i, /invalid nick/i];

export function openIrcConnection(options: ConnectionOptions, events: ConnectionEvents): IrcConnection {
  const { log } = options;
  let socket: LineSocket | undefined;
  let stopped = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let liveTimer: ReturnType<typeof setTimeout> | undefined;
  let socketGone: (() => void) | undefined;

  const keepAlive = () => {
    clearTimeout(liveTimer);
    if (stopped) return;
    liveTimer = setTimeout(() => {
      socket?.send("PING :letsrobot");
      liveTimer = setTimeout(() => {
        log.warn(`Twitch chat silent for ${options.pingIntervalMs + options.pongTimeoutMs} ms; reconnecting`);
        socket?.close();
      }, options.pongTimeoutMs);
    }, options.pingIntervalMs);
  };

  const onLine = (current: LineSocket, text: string) => {
    keepAlive();
    const message = parseIrcLine(text);
    if (!message) return;
    switch (message.command) {
      case "PING":
        current.send(`PONG :${message.params.at(-1) ?? "tmi.twitch.tv"}`);
        return;
      case "PONG":
        return;
      case "JOIN":
        if (nickOf(message.prefix) === options.nick && message.params[0]?.toLowerCase() === `#${options.channel}`) {
          attempt = 0;
          events.joined();
        }
        return;
      case "RECONNECT":
        log.info("Twitch asked us to reconnect");
        attempt = 0;
        current.close();
        return;
      case "NOTICE": {
        const text = message.params.at(-1) ?? "";
        if (!authFailures.some((pattern) => pattern.test(text))) break;
        stopped = true;
        current.close();
        events.fatal(
          new AuthError(`Twitch refused the chat login of ${options.nick}: ${text}`, "check twitch.bot_login and twitch.oauth_token (a user token with chat:read; it may have expired)"),
        );
        return;
      }
    }
    events.message(message);
  };

  const open = () => {
    if (stopped) return;
    const current = options.connect(options.url, {
      open: () => {
        keepAlive();
        for (const line of loginLines({ nick: options.nick, token: options.token, channel: options.channel })) current.send(line);
      },
      line: (text) => {
        if (socket === current) onLine(current, text);
      },
      close: (reason) => {
        if (socket !== current) return;
        socket = undefined;
        clearTimeout(liveTimer);
        socketGone?.();
        if (stopped) return;
        const delay = backoffDelay(attempt, options.backoff);
        attempt += 1;
        events.lost(reason, delay);
        retryTimer = setTimeout(open, delay);
      },
    });
    socket = current;
  };
  open();

  return {
    async close() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(liveTimer);
      const current = socket;
      if (!current) return;
      const gone = new Promise<void>((resolve) => {
        socketGone = resolve;
      });
      current.close();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
    },
  };
}
