import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { AuthError, ConfigError, NetworkError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { type ChatTuning, startTwitchChat, type TwitchChat } from "../../lib/twitch/chat.ts";
import { capturedLogger, commandQueue, twitchConfig } from "./helpers.ts";
import { type IrcTestServer, startIrcTestServer } from "./irc-server.ts";

const log = createLogger("silent");
const fast: Partial<ChatTuning> = { backoff: { baseMs: 10, capMs: 50, jitter: 0 }, startTimeoutMs: 5000 };

let server: IrcTestServer;
const open: TwitchChat[] = [];
beforeEach(async () => {
  server = await startIrcTestServer();
});
afterEach(async () => {
  for (const chat of open.splice(0)) await chat.close();
  await server.close();
});

async function start(overrides: Parameters<typeof twitchConfig>[0] = {}, tuning: Partial<ChatTuning> = {}, logger = log) {
  const queue = commandQueue();
  const chat = await startTwitchChat(twitchConfig({ irc_url: server.url, ...overrides }), { log: logger, onCommand: queue.onCommand }, { ...fast, ...tuning });
  open.push(chat);
  return { chat, queue };
}

describe("Twitch chat client against a local IRC-over-websocket server", () => {
  test("anonymous read-only login; a Twitch-tagged PRIVMSG !f becomes command F", async () => {
    const { chat, queue } = await start();
    expect(server.received.slice(0, 3)).toEqual(["CAP REQ :twitch.tv/tags twitch.tv/commands", expect.stringMatching(/^NICK justinfan\d+$/), "JOIN #robochan"]);
    expect(server.received.some((line) => line.startsWith("PASS"))).toBe(false);
    server.say("robochan", { login: "alice", displayName: "Alice", userId: "4242", badges: "subscriber/3" }, "!f");
    expect(await queue.next()).toEqual({ source: "chat", command: "F", user: "Alice", userId: "4242", anonymous: false, mod: false, role: "viewer", keyPosition: "" });
    expect(chat.status()).toMatchObject({ state: "joined", channel: "robochan", anonymous: true, joins: 1, messages: 1, sent: 1 });
  });

  test("token login sends CAP, PASS oauth:…, NICK, JOIN in order, and the token never reaches the log", async () => {
    server.acceptToken = "s3cr3t-t0ken-value";
    const captured = capturedLogger();
    const { queue } = await start({ bot_login: "RoboBot", oauth_token: "s3cr3t-t0ken-value" }, {}, captured.log);
    expect(server.received.slice(0, 4)).toEqual(["CAP REQ :twitch.tv/tags twitch.tv/commands", "PASS oauth:s3cr3t-t0ken-value", "NICK robobot", "JOIN #robochan"]);
    server.say("robochan", { login: "mod1", mod: true }, "!left");
    expect(await queue.next()).toMatchObject({ command: "L", mod: true, role: "moderator" });
    expect(captured.text()).toContain("joined Twitch chat #robochan as robobot");
    expect(captured.text()).not.toContain("s3cr3t");
  });

  test("a refused login is an AuthError (exit 11) with a hint, not an endless retry", async () => {
    server.acceptToken = "the-right-one";
    const error = await start({ bot_login: "robobot", oauth_token: "the-wrong-one" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).exitCode).toBe(11);
    expect((error as AuthError).message).toContain("Login authentication failed");
    expect((error as AuthError).hint).toContain("oauth_token");
    expect((error as AuthError).message).not.toContain("the-wrong-one");
    expect(server.connections).toBe(1);
  });

  test("answers the server's PING with PONG", async () => {
    await start();
    server.broadcast("PING :tmi.twitch.tv");
    expect(await server.waitForLine(/^PONG /)).toBe("PONG :tmi.twitch.tv");
  });

  test("reconnects and re-joins after the server drops the connection, and after RECONNECT", async () => {
    const { chat, queue } = await start();
    server.dropAll();
    await server.waitForJoins(2);
    server.broadcast(":tmi.twitch.tv RECONNECT");
    await server.waitForJoins(3);
    server.say("robochan", { login: "bob" }, "!r");
    expect((await queue.next()).command).toBe("R");
    expect(chat.status().joins).toBe(3);
    expect(server.connections).toBe(3);
  });

  test("a silent server is detected by our own PING and the client reconnects", async () => {
    await start({}, { pingIntervalMs: 50, pongTimeoutMs: 100 });
    server.silent = true;
    await server.waitForLine(/^PING :letsrobot$/);
    server.silent = false;
    await server.waitForJoins(2);
    expect(server.connections).toBe(2);
  });

  test("per-user cooldown and ignored words, in arrival order", async () => {
    const { chat, queue } = await start({ user_cooldown_ms: 60_000 });
    server.say("robochan", { login: "alice" }, "!f");
    server.say("robochan", { login: "alice" }, "!l");
    server.say("robochan", { login: "alice" }, "hello everyone");
    server.say("robochan", { login: "alice" }, "!stop");
    server.say("robochan", { login: "bob" }, "!back");
    expect([(await queue.next()).command, (await queue.next()).command, (await queue.next()).command]).toEqual(["F", "stop", "B"]);
    expect(chat.status()).toMatchObject({ messages: 5, sent: 3, ignored: { cooldown: 1 } });
  });

  test("vote mode sends the winner of the window", async () => {
    const { chat, queue } = await start({ mode: "vote", vote_window_ms: 150 });
    server.say("robochan", { login: "a" }, "!f");
    server.say("robochan", { login: "b" }, "!l");
    server.say("robochan", { login: "c" }, "!left");
    const winner = await queue.next();
    expect(winner).toMatchObject({ command: "L", user: "twitch-vote", votes: { winner: 2, total: 3 } });
    expect(queue.seen).toHaveLength(1);
    expect(chat.status().votes).toBe(3);
  });

  test("no server listening: start gives up with a NetworkError after startTimeoutMs", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const error = await startTwitchChat(twitchConfig({ irc_url: `ws://127.0.0.1:${port}` }), { log, onCommand: () => undefined }, { ...fast, startTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).hint).toContain("irc_url");
  });

  test("shutdown while waiting to join ends start at once with the abort reason", async () => {
    server.silent = true; // never answers, so start would wait for startTimeoutMs
    const stop = new AbortController();
    const starting = startTwitchChat(twitchConfig({ irc_url: server.url }), { log, shutdown: stop.signal, onCommand: () => undefined }, { ...fast, startTimeoutMs: 20_000 });
    await server.waitForLine(/^JOIN #robochan$/);
    stop.abort(new Error("SIGINT"));
    expect(await starting.catch((e: unknown) => e)).toEqual(new Error("SIGINT"));
  });

  test("shutdown after start closes the chat", async () => {
    const stop = new AbortController();
    const queue = commandQueue();
    const chat = await startTwitchChat(twitchConfig({ irc_url: server.url }), { log, shutdown: stop.signal, onCommand: queue.onCommand }, fast);
    stop.abort();
    expect(chat.status().state).toBe("closed");
    await server.waitForNoClients();
    expect(server.connections).toBe(1);
  });

  test("bad config is a ConfigError before any connection", async () => {
    const attempts: [Parameters<typeof twitchConfig>[0], RegExp][] = [
      [{ channel: "" }, /twitch\.channel is empty/],
      [{ channel: "no spaces" }, /not a Twitch login name/],
      [{ irc_url: "https://irc-ws.chat.twitch.tv" }, /ws:\/\/ or wss:\/\//],
      [{ oauth_token: "abc" }, /bot_login is empty/],
      [{ bot_login: "robobot" }, /oauth_token is empty/],
      [{ prefixes: [] }, /prefixes is empty/],
    ];
    for (const [overrides, message] of attempts) {
      const error = await startTwitchChat(twitchConfig({ irc_url: server.url, ...overrides }), { log, onCommand: () => undefined }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(message);
    }
    expect(server.connections).toBe(0);
  });
});
