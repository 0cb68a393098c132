import { describe, expect, test } from "bun:test";
import { envLayer, merge, validateLayer } from "../../lib/config/validate.ts";
import { defaults } from "../../lib/config/schema.ts";
import { parseConfigText } from "../../lib/config/load.ts";
import { ConfigError } from "../../lib/errors.ts";
import { decodeFrame, parseChannels, parseStreamName, parseValidated, toChatMessage, toRobotCommand } from "../../lib/remo/protocol.ts";
import { isChatCommand, normaliseChat, normaliseCommand, normaliseExclusive, removedMessageId, stripRobotPrefix } from "../../lib/robot/payload.ts";
import { sniffStreamKind } from "../../lib/server/relay/ts-sniff.ts";
import { parseBadges, parseIrcLine, splitLines, toChatLine, unescapeTagValue } from "../../lib/twitch/irc.ts";
import { fc, fuzzTimeout, json, payload, runs, wireHostile } from "./arbitraries.ts";

/** Every decoder of external input: any input gives a result or a typed refusal, never an exception. */
const plausible = { robotIds: ["42", 42, "7"], words: ["F", "down", "up", "[bot] hi", "LED_ON", "chan-42", "chat-42"] };
const wire = payload(plausible, false);
const options = { numRuns: runs };

describe("robot payload decoders (what a platform sends a robot)", () => {
  test("command, chat, exclusive and removal payloads never throw, and what they accept is well-formed", () => {
    fc.assert(
      fc.property(wire, (raw) => {
        const command = normaliseCommand(raw, "42");
        if (command) expect(typeof command.command).toBe("string");
        const chat = normaliseChat(raw, "42");
        if (chat) expect(typeof chat.text).toBe("string");
        normaliseExclusive(raw, "42");
        const removed = removedMessageId(raw);
        if (removed !== undefined) expect(typeof removed).toBe("string");
      }),
      options,
    );
  }, fuzzTimeout);

  test("chat text helpers take any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        expect(typeof stripRobotPrefix(text)).toBe("string");
        expect(typeof isChatCommand(text)).toBe("boolean");
      }),
      options,
    );
  }, fuzzTimeout);
});

describe("Remo protocol", () => {
  const frames = fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    json.map((v) => JSON.stringify(v) ?? ""),
    fc.record({ e: fc.constantFrom("BUTTON_COMMAND", "MESSAGE_RECEIVED", "ROBOT_VALIDATED", "x"), d: fc.oneof(wire, wireHostile) }).map((f) => JSON.stringify(f) ?? ""),
  );
  test("decodeFrame and the payload parsers take any text frame", () => {
    fc.assert(
      fc.property(frames, (text) => {
        const frame = decodeFrame(text);
        if (!frame) return;
        expect(typeof frame.e).toBe("string");
        toRobotCommand(frame.d, "chan-42");
        toRobotCommand(frame.d);
        toChatMessage(frame.d, "chan-42");
        parseValidated(frame.d);
        expect(Array.isArray(parseChannels(frame.d))).toBe(true);
      }),
      options,
    );
  }, fuzzTimeout);

  test("stream names", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (name) => {
        const parsed = parseStreamName(name);
        if (parsed) expect(["video", "audio"]).toContain(parsed.kind);
      }),
      options,
    );
  }, fuzzTimeout);
});

describe("Twitch IRC", () => {
  const lines = fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc
      .tuple(fc.string({ maxLength: 60 }), fc.string({ maxLength: 30 }), fc.constantFrom("PRIVMSG", "PING", "NOTICE", "001", "USERNOTICE"), fc.string({ maxLength: 100 }))
      .map(([tags, nick, command, text]) => `@${tags} :${nick}!${nick}@${nick}.tmi.twitch.tv ${command} #chan :${text}`),
  );
  test("any line parses to a message or nothing, and chat lines from it are well-formed", () => {
    fc.assert(
      fc.property(lines, (line) => {
        for (const part of splitLines(line)) {
          const message = parseIrcLine(part);
          if (!message) continue;
          expect(typeof message.command).toBe("string");
          toChatLine(message);
          parseBadges(message.tags.badges ?? "");
        }
        expect(typeof unescapeTagValue(line)).toBe("string");
      }),
      options,
    );
  }, fuzzTimeout);
});

describe("MPEG-TS sniffer", () => {
  const packets = fc.oneof(
    fc.uint8Array({ maxLength: 188 * 4 }),
    // TS-shaped: sync bytes in place, random headers and payloads
    fc.array(fc.uint8Array({ minLength: 187, maxLength: 187 }), { maxLength: 6 }).map((list) => {
      const out = new Uint8Array(list.length * 188);
      list.forEach((body, i) => {
        out[i * 188] = 0x47;
        out.set(body, i * 188 + 1);
      });
      return out;
    }),
  );
  test("any bytes give video, audio, unknown or invalid", () => {
    fc.assert(
      fc.property(packets, fc.nat(200), (bytes, cut) => {
        expect(["video", "audio", "unknown", "invalid"]).toContain(sniffStreamKind(bytes));
        expect(["video", "audio", "unknown", "invalid"]).toContain(sniffStreamKind(bytes.subarray(cut)));
      }),
      options,
    );
  }, fuzzTimeout);
});

describe("config parsing", () => {
  const onlyConfigErrors = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
    }
  };
  const sections = ["platform", "video", "audio", "server", "twitch", "robot", "nope"];
  const keys = ["server", "robot_id", "port", "fps", "width", "enabled", "host", "x"];
  const tomlish = fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc
      .array(fc.tuple(fc.constantFrom(...sections), fc.constantFrom(...keys), fc.oneof(fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)), fc.integer().map(String), fc.constantFrom("true", "[1,2", "{", "1e999", "-0", '"\\u0000"'))))
      .map((entries) => entries.map(([s, k, v]) => `[${s}]\n${k} = ${v}`).join("\n")),
  );
  test("a config file's text gives a layer or a ConfigError, nothing else", () => {
    fc.assert(
      fc.property(tomlish, (text) => onlyConfigErrors(() => parseConfigText(text, "fuzz.toml"))),
      options,
    );
  }, fuzzTimeout);

  test("a parsed layer of any shape validates to a layer or a ConfigError", () => {
    const layers = fc.oneof(json, fc.dictionary(fc.constantFrom(...sections), fc.oneof(json, fc.dictionary(fc.constantFrom(...keys), json))), wireHostile);
    fc.assert(
      fc.property(layers, (raw) =>
        onlyConfigErrors(() => {
          const layer = validateLayer(raw, { name: "fuzz" });
          expect(typeof layer).toBe("object");
        }),
      ),
      options,
    );
  }, fuzzTimeout);

  test("environment variables give a layer or a ConfigError; a valid layer merges", () => {
    const base = defaults();
    expect(merge(base, envLayer({ LETSROBOT_VIDEO_FPS: "15" })).video.fps).toBe(15);
    const names = fc.constantFrom("LETSROBOT_VIDEO_FPS", "LETSROBOT_SERVER_PORT", "LETSROBOT_PLATFORM_SERVER", "LETSROBOT_NOPE", "LETSROBOT_", "LETSROBOT_TWITCH_ALIASES", "PATH");
    fc.assert(
      fc.property(fc.dictionary(names, fc.string({ unit: "binary", maxLength: 40 })), (env) => onlyConfigErrors(() => envLayer(env))),
      options,
    );
  }, fuzzTimeout);
});
