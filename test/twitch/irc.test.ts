import { describe, expect, test } from "bun:test";
import { loginLines, parseBadges, parseIrcLine, splitLines, toChatLine, unescapeTagValue } from "../../lib/twitch/irc.ts";
import { escapeTag, privmsgLine } from "./irc-server.ts";

describe("tag value unescaping", () => {
  test.each([
    ["plain", "plain"],
    ["hello\\sworld", "hello world"],
    ["a\\:b", "a;b"],
    ["back\\\\slash", "back\\slash"],
    ["line\\r\\nbreak", "line\r\nbreak"],
    ["unknown\\xescape", "unknownxescape"],
    ["trailing\\", "trailing"],
    ["\\s\\s", "  "],
    ["", ""],
  ])("%p → %p", (raw, value) => {
    expect(unescapeTagValue(raw)).toBe(value);
  });

  test("round trip through the test server's escaping", () => {
    for (const text of ["x;y z\\w", "  ", "a\r\nb", "semi;colon;", "\\s literal"]) expect(unescapeTagValue(escapeTag(text))).toBe(text);
  });
});

describe("IRC lines", () => {
  test.each([
    ["PING :tmi.twitch.tv", { tags: {}, prefix: "", command: "PING", params: ["tmi.twitch.tv"] }],
    [":tmi.twitch.tv 001 bot :Welcome, GLHF!", { tags: {}, prefix: "tmi.twitch.tv", command: "001", params: ["bot", "Welcome, GLHF!"] }],
    [":bot!bot@bot.tmi.twitch.tv JOIN #chan", { tags: {}, prefix: "bot!bot@bot.tmi.twitch.tv", command: "JOIN", params: ["#chan"] }],
    [":tmi.twitch.tv RECONNECT", { tags: {}, prefix: "tmi.twitch.tv", command: "RECONNECT", params: [] }],
    ["@a=1;b;c= :x PRIVMSG #c :hi: there :)", { tags: { a: "1", b: "", c: "" }, prefix: "x", command: "PRIVMSG", params: ["#c", "hi: there :)"] }],
    ["@msg-id=x :tmi.twitch.tv NOTICE * :Login authentication failed\r\n", { tags: { "msg-id": "x" }, prefix: "tmi.twitch.tv", command: "NOTICE", params: ["*", "Login authentication failed"] }],
    ["privmsg #c :lower-case command", { tags: {}, prefix: "", command: "PRIVMSG", params: ["#c", "lower-case command"] }],
    ["PRIVMSG #c :", { tags: {}, prefix: "", command: "PRIVMSG", params: ["#c", ""] }],
  ])("%p", (line, message) => {
    expect(parseIrcLine(line)).toEqual(message);
  });

  test.each(["", "@only-tags", ":only-prefix", "@a=1 :prefix"])("malformed %p → undefined", (line) => {
    expect(parseIrcLine(line)).toBeUndefined();
  });

  test("several lines in one websocket frame", () => {
    expect(splitLines("PING :a\r\n:x 001 b :c\r\n\r\n")).toEqual(["PING :a", ":x 001 b :c"]);
  });

  test.each([
    ["broadcaster/1,subscriber/12", { broadcaster: "1", subscriber: "12" }],
    ["moderator/1", { moderator: "1" }],
    ["", {}],
    ["glhf-pledge", { "glhf-pledge": "" }],
  ])("badges %p", (text, badges) => {
    expect(parseBadges(text)).toEqual(badges);
  });
});

describe("PRIVMSG → chat line", () => {
  const line = (raw: string) => {
    const message = parseIrcLine(raw);
    if (!message) throw new Error("did not parse");
    return toChatLine(message);
  };

  test("a real-shaped Twitch message", () => {
    const raw =
      "@badge-info=subscriber/8;badges=subscriber/6,premium/1;color=#FF0000;display-name=Ali\\sCe;emotes=;id=abc-123;mod=0;room-id=1000;subscriber=1;tmi-sent-ts=1700000000000;turbo=0;user-id=4242;user-type= :alice!alice@alice.tmi.twitch.tv PRIVMSG #RoboChan :!f now";
    expect(line(raw)).toEqual({
      channel: "robochan",
      login: "alice",
      displayName: "Ali Ce",
      userId: "4242",
      badges: { subscriber: "6", premium: "1" },
      broadcaster: false,
      mod: false,
      text: "!f now",
      id: "abc-123",
    });
  });

  test.each([
    ["viewer", { login: "v", badges: "subscriber/1" }, false, false],
    ["mod flag", { login: "m", mod: true }, true, false],
    ["moderator badge without the flag", { login: "m", badges: "moderator/1" }, true, false],
    ["broadcaster badge", { login: "b", badges: "broadcaster/1" }, true, true],
    ["broadcaster by room-id = user-id", { login: "b", userId: "1000" }, true, true],
    ["vip is not a mod", { login: "v", badges: "vip/1" }, false, false],
  ])("%s", (_name, user, mod, broadcaster) => {
    const chat = line(privmsgLine("chan", user, "!l"));
    expect(chat?.mod).toBe(mod);
    expect(chat?.broadcaster).toBe(broadcaster);
  });

  test("empty display-name falls back to the login", () => {
    expect(line("@display-name=;user-id=1 :bob!bob@bob.tmi.twitch.tv PRIVMSG #c :hi")?.displayName).toBe("bob");
  });

  test("/me actions are unwrapped", () => {
    expect(line(":bob!bob@bob.tmi.twitch.tv PRIVMSG #c :\u0001ACTION !f\u0001")?.text).toBe("!f");
  });

  test.each([
    ":bob!bob@bob.tmi.twitch.tv PRIVMSG bob :a whisper-like target",
    ":tmi.twitch.tv NOTICE #c :not a chat message",
    "PRIVMSG #c :no sender",
  ])("not a channel chat line: %p", (raw) => {
    expect(line(raw)).toBeUndefined();
  });
});

describe("login lines", () => {
  test("with a token: caps, PASS with oauth: prefix added, NICK, JOIN", () => {
    expect(loginLines({ nick: "robobot", token: "abc123", channel: "chan" })).toEqual([
      "CAP REQ :twitch.tv/tags twitch.tv/commands",
      "PASS oauth:abc123",
      "NICK robobot",
      "JOIN #chan",
    ]);
  });
  test("an oauth: prefix is not doubled", () => {
    expect(loginLines({ nick: "b", token: "oauth:xyz", channel: "c" })[1]).toBe("PASS oauth:xyz");
  });
  test("anonymous: no PASS line", () => {
    expect(loginLines({ nick: "justinfan12345", token: "", channel: "c" })).toEqual(["CAP REQ :twitch.tv/tags twitch.tv/commands", "NICK justinfan12345", "JOIN #c"]);
  });
});
