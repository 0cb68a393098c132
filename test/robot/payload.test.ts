import { describe, expect, test } from "bun:test";
import { isChatCommand, normaliseChat, normaliseCommand, normaliseExclusive, removedMessageId, stripRobotPrefix } from "../../lib/robot/payload.ts";

describe("command_to_robot normalisation", () => {
  test.each([
    ["LetsRobot flat shape", { robot_id: "100", command: "F", user: "ann", key_position: "down", anonymous: false }, { command: "F", user: "ann", anonymous: false, keyPosition: "down" }],
    ["nested user shape", { robot_id: "100", command: "L", user: { username: "bob", anonymous: false }, key_position: "up" }, { command: "L", user: "bob", anonymous: false, keyPosition: "up" }],
    ["viewer shape with extras", { _id: "x1", timestamp: 1, robot_name: "bot", robot_id: 100, command: " f ", user: "cy", key_position: "" }, { command: "f", user: "cy", anonymous: false, keyPosition: "" }],
    ["anonymous flag", { robot_id: "100", command: "R", user: "guest", anonymous: true }, { command: "R", user: "guest", anonymous: true, keyPosition: "" }],
    ["nested anonymous", { robot_id: "100", command: "R", user: { username: "g", anonymous: "true" } }, { command: "R", user: "g", anonymous: true, keyPosition: "" }],
    ["no user at all", { robot_id: "100", command: "stop" }, { command: "stop", user: "", anonymous: true, keyPosition: "" }],
    ["odd key position", { robot_id: "100", command: "F", user: "a", key_position: "sideways" }, { command: "F", user: "a", anonymous: false, keyPosition: "" }],
    ["upper-case key position", { robot_id: "100", command: "F", user: "a", key_position: "UP" }, { command: "F", user: "a", anonymous: false, keyPosition: "up" }],
    ["no robot id (server sends only to us)", { command: "B", user: "a" }, { command: "B", user: "a", anonymous: false, keyPosition: "" }],
  ])("%s", (_name, raw, expected) => expect(normaliseCommand(raw, "100")).toEqual(expected as never));

  test.each([
    ["other robot", { robot_id: "101", command: "F" }],
    ["empty command", { robot_id: "100", command: "  " }],
    ["not an object", "F"],
    ["null", null],
    ["array", ["F"]],
    ["command not a string", { robot_id: "100", command: { x: 1 } }],
  ])("rejects %s", (_name, raw) => expect(normaliseCommand(raw, "100")).toBeUndefined());
});

describe("chat normalisation", () => {
  test.each([
    ["[mybot] hello there", "hello there"],
    ["[mybot]hi", "hi"],
    ["[my]bot] hi", "bot] hi"],
    ["no prefix", "no prefix"],
    ["[bot]   ", ""],
  ])("strip %p → %p", (message, text) => expect(stripRobotPrefix(message)).toBe(text));

  test("a chat message keeps id, sender and text", () => {
    expect(normaliseChat({ name: "ann", message: "[bot] .table on", robot_id: "100", _id: "m1", anonymous: false }, "100")).toEqual({ id: "m1", user: "ann", anonymous: false, text: ".table on" });
    expect(normaliseChat({ name: "ann", message: "[bot] hi", robot_id: "9" }, "100")).toBeUndefined();
    expect(normaliseChat({ name: "ann", message: "[bot] ", robot_id: "100" }, "100")).toBeUndefined();
    expect(normaliseChat({ message: "[bot] hi", robot_id: "100", anonymous: true }, "100")?.anonymous).toBe(true);
  });

  test.each([
    [".table on", true],
    ["hello .table", false],
    ["", false],
  ])("isChatCommand(%p) = %p", (text, expected) => expect(isChatCommand(text)).toBe(expected));
});

describe("app socket events", () => {
  test.each([
    [{ status: "start", robot_id: "100", user: "ann" }, { active: true, user: "ann" }],
    [{ status: "end", robot_id: "100" }, { active: false }],
    [{ status: "start", robot_id: "200", user: "ann" }, undefined],
    [{ status: "maybe", robot_id: "100" }, undefined],
  ])("exclusive_control %p", (raw, expected) => expect(normaliseExclusive(raw, "100")).toEqual(expected as never));

  test.each([
    [{ message_id: "m1" }, "m1"],
    [{ _id: 7 }, "7"],
    ["m2", "m2"],
    [{}, undefined],
  ])("message_removed %p", (raw, expected) => expect(removedMessageId(raw)).toBe(expected as never));
});
