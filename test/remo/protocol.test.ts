import { describe, expect, test } from "bun:test";
import { remoEndpoints } from "../../lib/remo/endpoints.ts";
import { decodeFrame, encodeFrame, parseChannels, parseStreamName, parseValidated, pickChannel, robotMessage, toChatMessage, toRobotCommand, transmitUrl } from "../../lib/remo/protocol.ts";
import { buttonCommand, messageReceived, PressFilter, remoChannel, robotIdOf } from "../../lib/server/remo/messages.ts";
import { defaultButtons, defaultSettings, type RobotRecord } from "../../lib/server/store/robot-record.ts";
import { defaults } from "../../lib/config/schema.ts";

describe("frames", () => {
  test.each([
    ['{"e":"ROBOT_VALIDATED","d":{"id":"1","host":"h"}}', { e: "ROBOT_VALIDATED", d: { id: "1", host: "h" } }],
    ['{"e":"JOIN_CHANNEL","d":"chan-1"}', { e: "JOIN_CHANNEL", d: "chan-1" }],
    ['{"e":"PING"}', { e: "PING", d: undefined }],
    ['{"d":{}}', undefined],
    ['{"e":""}', undefined],
    ["[1,2]", undefined],
    ["not json", undefined],
  ])("decode %s", (raw, frame) => {
    expect(decodeFrame(raw)).toEqual(frame);
  });

  test("encode → decode round trip", () => {
    expect(decodeFrame(encodeFrame("AUTHENTICATE_ROBOT", { token: "t" }))).toEqual({ e: "AUTHENTICATE_ROBOT", d: { token: "t" } });
  });
});

describe("BUTTON_COMMAND → robot command", () => {
  const base = { user: { username: "ann", anonymous: false }, button: { id: "b1", label: "Forward", command: "F" }, channel: "chan-1" };
  test.each([
    ["command lower-cased, user from user.username", base, "chan-1", { command: "f", user: "ann", anonymous: false, keyPosition: "" }],
    ["key_position honoured when present", { ...base, key_position: "up" }, "chan-1", { command: "f", user: "ann", anonymous: false, keyPosition: "up" }],
    ["nonsense key_position ignored", { ...base, key_position: "sideways" }, "chan-1", { command: "f", user: "ann", anonymous: false, keyPosition: "" }],
    ["no user → anonymous", { ...base, user: undefined }, "chan-1", { command: "f", user: "", anonymous: true, keyPosition: "" }],
    ["anonymous flag", { ...base, user: { username: "anon1", anonymous: true } }, "chan-1", { command: "f", user: "anon1", anonymous: true, keyPosition: "" }],
    ["no channel in the payload is accepted", { ...base, channel: undefined }, "chan-1", { command: "f", user: "ann", anonymous: false, keyPosition: "" }],
    ["another channel's command is dropped", { ...base, channel: "chan-2" }, "chan-1", undefined],
    ["empty command dropped", { ...base, button: { command: "  " } }, "chan-1", undefined],
    ["no button dropped", { user: base.user }, "chan-1", undefined],
    ["not an object", "f", "chan-1", undefined],
  ])("%s", (_name, d, channel, expected) => {
    expect(toRobotCommand(d, channel)).toEqual(expected as ReturnType<typeof toRobotCommand>);
  });
});

describe("MESSAGE_RECEIVED → chat message", () => {
  const base = { id: "m1", message: "hello [there] robot", sender: "bob", channel_id: "chan-1", type: "user", badges: ["moderator"] };
  test.each([
    ["text kept whole (no robot-name prefix on Remo)", base, { id: "m1", user: "bob", anonymous: false, text: "hello [there] robot", channelId: "chan-1", badges: ["moderator"] }],
    ["another channel dropped", { ...base, channel_id: "chan-2" }, undefined],
    ["the robot's own echo dropped", { ...base, type: "robot" }, undefined],
    ["empty text dropped", { ...base, message: " " }, undefined],
    ["no sender → anonymous", { ...base, sender: undefined, badges: undefined }, { id: "m1", user: "", anonymous: true, text: "hello [there] robot", channelId: "chan-1", badges: [] }],
  ])("%s", (_name, d, expected) => {
    expect(toChatMessage(d, "chan-1")).toEqual(expected as ReturnType<typeof toChatMessage>);
  });
});

describe("validation, channels, media names", () => {
  test("ROBOT_VALIDATED needs a host", () => {
    expect(parseValidated({ id: "r1", host: "srv-1" })).toEqual({ id: "r1", host: "srv-1" });
    expect(parseValidated({ id: "r1" })).toBeUndefined();
  });

  const channels = parseChannels({ channels: [{ id: "c1", name: "Lobby", chat: "k1" }, { name: "no id" }, { id: "c2", name: "rover", chat: "k2" }] });
  test.each([
    ["by name, any case", "ROVER", { channel: { id: "c2", name: "rover", chat: "k2" }, byName: true }],
    ["unknown name → first", "nope", { channel: { id: "c1", name: "Lobby", chat: "k1" }, byName: false }],
    ["no name → first", "", { channel: { id: "c1", name: "Lobby", chat: "k1" }, byName: false }],
  ])("pick channel %s", (_n, name, expected) => {
    expect(pickChannel(channels, name)).toEqual(expected);
  });
  test("no channels, nothing picked; bad answers parse to none", () => {
    expect(pickChannel([], "x")).toBeUndefined();
    expect(parseChannels({ channels: "x" })).toEqual([]);
    expect(parseChannels(null)).toEqual([]);
  });

  test("transmit URL and stream names", () => {
    expect(transmitUrl("http://remo.example:1567/", "chan-9", "video")).toBe("http://remo.example:1567/transmit?name=chan-9-video");
    expect(parseStreamName("chan-9-audio")).toEqual({ channelId: "chan-9", kind: "audio" });
    expect(parseStreamName("chan-9")).toBeUndefined();
    expect(robotMessage("hi", { chat: "k", host: "h", channelId: "c" })).toEqual({ message: "hi", chatId: "k", server_id: "h", channel_id: "c" });
  });

  const platform = (extra: Record<string, string>) => ({ ...defaults().platform, protocol: "remo", ...extra });
  test.each([
    [{ server: "https://remo.tv" }, { socket: "wss://remo.tv/", api: "https://remo.tv/", transmit: "http://remo.tv:1567/" }],
    [{ server: "http://127.0.0.1:8080" }, { socket: "ws://127.0.0.1:8080/", api: "http://127.0.0.1:8080/", transmit: "http://127.0.0.1:1567/" }],
    [{ server: "http://127.0.0.1:8080", transmit_url: "http://127.0.0.1:8080" }, { socket: "ws://127.0.0.1:8080/", api: "http://127.0.0.1:8080/", transmit: "http://127.0.0.1:8080/" }],
  ])("endpoints of %o", (extra, expected) => {
    expect(remoEndpoints(platform(extra) as ReturnType<typeof defaults>["platform"])).toEqual(expected);
  });
});

describe("serve's side: stored buttons, never the viewer's text", () => {
  const robot: RobotRecord = { id: "42", cameraId: "43", name: "rover", owner: "ann", requireKey: false, settings: defaultSettings, buttons: defaultButtons, createdAt: 0 };
  test("a command naming a stored button becomes BUTTON_COMMAND with that button", () => {
    expect(buttonCommand(robot, { command: "led_on", key_position: "", user: "vera", anonymous: false })).toEqual({
      user: { username: "vera", anonymous: false },
      button: { id: "btn-6", label: "Light on", command: "led_on" },
      channel: "chan-42",
      server: "srv-42",
      key_position: "",
    });
  });
  test("PressFilter: one press per hold for stock Remo robots; a hold with no refresh for holdMs is over", () => {
    const filter = new PressFilter(5000);
    const press = (key_position: string, at: number, command = "f", user = "vera") => filter.isPress("42", { command, key_position, user }, at);
    expect([press("down", 0), press("down", 300), press("down", 600), press("up", 700)]).toEqual([true, false, false, false]);
    expect([press("down", 800), press("up", 900), press("", 950), press("", 960)]).toEqual([true, false, true, true]);
    // another user or another button is another hold
    expect([press("down", 1000), press("down", 1001, "b"), press("down", 1002, "f", "tess")]).toEqual([true, true, true]);
    // no refresh and no release for longer than holdMs: the next down is a new press (runs past the window)
    expect([press("down", 5999), press("down", 11_100)]).toEqual([false, true]);
  });
  test("a word no button has is not forwarded", () => {
    expect(buttonCommand(robot, { command: "self_destruct", key_position: "", user: "vera", anonymous: false })).toBeUndefined();
  });
  test("chat: prefix stripped, badges from roles; ids round-trip", () => {
    const d = messageReceived(robot, { name: "ann", message: "[rover] .table on", robot_id: "42", room: "ann", non_global: true, username_color: "", anonymous: false, _id: "x", timestamp: 5 }, { isOwner: true, isModerator: false });
    expect(d).toMatchObject({ id: "x", message: ".table on", sender: "ann", channel_id: "chan-42", type: "user", badges: ["owner"] });
    expect(toChatMessage(d, "chan-42")).toMatchObject({ user: "ann", text: ".table on", badges: ["owner"] });
    expect(robotIdOf(remoChannel(robot).id, "chan")).toBe("42");
    expect(robotIdOf("chan-42", "srv")).toBeUndefined();
  });
});
