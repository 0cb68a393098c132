import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { reachesAny, roomKind, roomKinds, roomOf, roomRobot } from "../../lib/server/sockets/rooms.ts";

describe("room names", () => {
  // processes of one cluster tell each other room names over Redis: these names are shared across versions
  test.each([
    ["control", "12", "control:12"],
    ["chat", "12", "chat:12"],
    ["app", "7", "app:7"],
    ["any", "7", "any:7"],
    ["viewers", "300", "viewers:300"],
  ] as const)("%s of robot %s is %s", (kind, id, name) => {
    expect(roomOf(kind, id)).toBe(name);
    expect(roomKind(name)).toBe(kind);
    expect(roomRobot(name)).toBe(id);
  });

  test.each(["", "control", "controls:1", "contro:1", "viewer:1", ":1", "CONTROL:1", "x:control:1", "anything"])("%p is no robot's room", (name) => {
    expect(roomKind(name)).toBeUndefined();
    expect(reachesAny(name)).toBeUndefined();
  });

  test("events for control, chat and app rooms also reach the robot's any: sockets; any: and viewers: rooms do not", () => {
    expect(["control", "chat", "app", "any", "viewers"].map((kind) => reachesAny(`${kind}:5`))).toEqual(["5", "5", "5", undefined, undefined]);
  });

  test("every name reads back as the kind and robot it was built from", () => {
    fc.assert(
      fc.property(fc.constantFrom(...roomKinds), fc.string(), (kind, id) => {
        const room = roomOf(kind, id);
        expect(roomKind(room)).toBe(kind);
        expect(roomRobot(room)).toBe(id);
      }),
    );
  });
});
