/**
 * A local stand-in for Twitch chat: a real websocket server on 127.0.0.1 that speaks IRC lines the way
 * Twitch does (CAP ACK, PASS/NICK login with the 001…376 welcome, JOIN echo with 353/366/ROOMSTATE,
 * PING/PONG, PRIVMSG with IRCv3 tags). Tests inject chat lines, drop connections, ask for RECONNECT, stop
 * answering, and wait for what clients sent, by event, never by sleeping.
 */
import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface ChatUser {
  login: string;
  displayName?: string;
  userId?: string;
  badges?: string;
  mod?: boolean;
  /** Extra tags, raw (already escaped). */
  tags?: Record<string, string>;
}

interface Client {
  socket: WebSocket;
  nick?: string;
  pass?: string;
  channels: Set<string>;
}

export interface IrcTestServer {
  /** ws://127.0.0.1:PORT */
  url: string;
  /** Every line any client sent, in order (PASS included: the test checks what the client sent). */
  received: string[];
  /** Connections accepted so far. */
  connections: number;
  /** Only this token is accepted; undefined = any token (and anonymous justinfan logins always work). */
  acceptToken?: string;
  /** When true the server answers nothing (not even PING): a silent, half-dead connection. */
  silent: boolean;
  /** Send a tagged PRIVMSG to every client in `#channel`. */
  say(channel: string, user: ChatUser, text: string): void;
  /** Send a raw line to every client. */
  broadcast(line: string): void;
  /** Close every client connection (as a server restart would). */
  dropAll(): void;
  /** Wait until a client has sent a line matching `pattern` (counting lines already received). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Wait until no client is connected. */
  waitForNoClients(timeoutMs?: number): Promise<void>;
  /** Wait until the number of JOINs answered reaches `count`. */
  waitForJoins(count: number, timeoutMs?: number): Promise<void>;
  joins: number;
  close(): Promise<void>;
}

let messageId = 0;
const userIds = new Map<string, string>();
/** A stable numeric id per login, as Twitch gives each account one. */
const idOf = (login: string) => userIds.get(login) ?? (userIds.set(login, String(5000 + userIds.size)), userIds.get(login) as string);

/** Escape a tag value the IRCv3 way. */
export function escapeTag(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\:").replace(/ /g, "\\s").replace(/\r/g, "\\r").replace(/\n/g, "\\n");
}

export function privmsgLine(channel: string, user: ChatUser, text: string, roomId = "1000"): string {
  messageId += 1;
  const tags: Record<string, string> = {
    "badge-info": "",
    badges: user.badges ?? "",
    color: "#1E90FF",
    "display-name": escapeTag(user.displayName ?? user.login),
    emotes: "",
    "first-msg": "0",
    flags: "",
    id: `00000000-0000-0000-0000-${String(messageId).padStart(12, "0")}`,
    mod: user.mod ? "1" : "0",
    "room-id": roomId,
    subscriber: "0",
    "tmi-sent-ts": String(Date.now()),
    turbo: "0",
    "user-id": user.userId ?? idOf(user.login),
    "user-type": user.mod ? "mod" : "",
    ...user.tags,
  };
  const tagText = Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(";");
  return `@${tagText} :${user.login}!${user.login}@${user.login}.tmi.twitch.tv PRIVMSG #${channel} :${text}`;
}

export async function startIrcTestServer(): Promise<IrcTestServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const events = new EventEmitter();
  const clients = new Set<Client>();
  const host = "tmi.twitch.tv";

  const server: IrcTestServer = {
    url: `ws://127.0.0.1:${port}`,
    received: [],
    connections: 0,
    acceptToken: undefined,
    silent: false,
    joins: 0,
    say(channel, user, text) {
      const line = privmsgLine(channel, user, text);
      for (const client of clients) if (client.channels.has(channel)) client.socket.send(`${line}\r\n`);
    },
    broadcast(line) {
      for (const client of clients) client.socket.send(`${line}\r\n`);
    },
    dropAll() {
      for (const client of clients) client.socket.terminate();
    },
    waitForLine(pattern, timeoutMs = 5000) {
      const found = server.received.find((line) => pattern.test(line));
      if (found) return Promise.resolve(found);
      return waitFor(events, "line", (line: string) => pattern.test(line), timeoutMs, `a line matching ${pattern}`);
    },
    waitForNoClients(timeoutMs = 5000) {
      if (clients.size === 0) return Promise.resolve();
      return waitFor(events, "gone", () => clients.size === 0, timeoutMs, "every client to disconnect").then(() => undefined);
    },
    waitForJoins(count, timeoutMs = 5000) {
      if (server.joins >= count) return Promise.resolve();
      return waitFor(events, "join", () => server.joins >= count, timeoutMs, `${count} joins`).then(() => undefined);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.socket.terminate();
        wss.close(() => resolve());
      }),
  };

  const handle = (client: Client, line: string) => {
    const send = (text: string) => client.socket.send(`${text}\r\n`);
    const [command = "", ...rest] = line.split(" ");
    const arg = rest.join(" ");
    switch (command.toUpperCase()) {
      case "CAP":
        return send(`:${host} CAP * ACK :${arg.replace(/^REQ :/, "")}`);
      case "PASS":
        client.pass = arg;
        return;
      case "NICK": {
        const nick = arg.toLowerCase();
        const anonymous = /^justinfan\d+$/.test(nick) && client.pass === undefined;
        const tokenOk = server.acceptToken === undefined ? client.pass !== undefined : client.pass === `oauth:${server.acceptToken}`;
        if (!anonymous && !tokenOk) {
          send(`:${host} NOTICE * :Login authentication failed`);
          client.socket.close();
          return;
        }
        client.nick = nick;
        for (const [code, text] of [["001", "Welcome, GLHF!"], ["002", `Your host is ${host}`], ["003", "This server is rather new"], ["004", "-"], ["375", "-"], ["372", "You are in a maze of twisty passages, all alike."], ["376", ">"]])
          send(`:${host} ${code} ${nick} :${text}`);
        return;
      }
      case "JOIN": {
        if (!client.nick) return send(`:${host} NOTICE * :Not logged in`);
        const channel = arg.replace(/^#/, "").toLowerCase();
        client.channels.add(channel);
        const nick = client.nick;
        send(`:${nick}!${nick}@${nick}.${host} JOIN #${channel}`);
        send(`:${nick}.${host} 353 ${nick} = #${channel} :${nick}`);
        send(`:${nick}.${host} 366 ${nick} #${channel} :End of /NAMES list`);
        send(`@emote-only=0;followers-only=-1;r9k=0;room-id=1000;slow=0;subs-only=0 :${host} ROOMSTATE #${channel}`);
        server.joins += 1;
        events.emit("join");
        return;
      }
      case "PING":
        return send(`:${host} PONG ${host} :${arg.replace(/^:/, "")}`);
    }
  };

  wss.on("connection", (socket) => {
    server.connections += 1;
    const client: Client = { socket, channels: new Set() };
    clients.add(client);
    socket.on("close", () => {
      clients.delete(client);
      events.emit("gone");
    });
    socket.on("message", (data) => {
      for (const line of data.toString().split(/\r?\n/)) {
        if (!line) continue;
        server.received.push(line);
        events.emit("line", line);
        if (!server.silent) handle(client, line);
      }
    });
  });
  return server;
}

/** Resolve on the first `event` whose arguments satisfy `test`; reject after `timeoutMs` naming what was awaited. */
export function waitFor<T>(emitter: EventEmitter, event: string, test: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const listener = (value: T) => {
      if (!test(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}
