import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseClick, planClick } from "../../lib/robot/clicks.ts";

const event = (data: unknown, extra: Record<string, unknown> = {}) => ({ robot_id: "7", data, user: "vera", anonymous: false, ...extra });

describe("parseClick", () => {
  test.each([
    ["mousedown:0.25000:0.50000", { x: 0.25, y: 0.5 }],
    ["mousedown:1:0", { x: 1, y: 0 }],
    ["mousedown:0.5:0.5", { x: 0.5, y: 0.5 }],
  ])("%p", (data, at) => {
    expect(parseClick(event(data), "7")).toMatchObject({ ...at, user: "vera", anonymous: false, data });
  });

  test.each([["mousedown:1.5:0.5"], ["mousedown:-0.1:0.5"], ["mouseup:0.5:0.5"], ["mousedown:0.5"], ["mousedown:a:b"], [42], [undefined]])("%p is not a click", (data) => {
    expect(parseClick(event(data), "7")).toBeUndefined();
  });

  test("another robot's click, or no object, is ignored", () => {
    expect(parseClick(event("mousedown:0.5:0.5", { robot_id: "8" }), "7")).toBeUndefined();
    expect(parseClick("mousedown:0.5:0.5", "7")).toBeUndefined();
  });

  test("fuzz: any input either parses to a point inside the picture or is ignored, never throws", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.tuple(fc.double(), fc.double()).map(([x, y]) => `mousedown:${x}:${y}`), fc.anything()), (data) => {
        const click = parseClick(event(data), "7");
        if (click) expect(click.x >= 0 && click.x <= 1 && click.y >= 0 && click.y <= 1).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("planClick", () => {
  const aim = { click: "aim", click_fov: 60 };
  test.each([
    ["left of centre pans left (positive step)", { x: 0.25, y: 0.5 }, aim, { actions: [{ kind: "servo", servo: "pan", step: 15 }] }],
    ["right edge pans right by half the view", { x: 1, y: 0.5 }, aim, { actions: [{ kind: "servo", servo: "pan", step: -30 }] }],
    ["above centre tilts up", { x: 0.5, y: 0 }, aim, { actions: [{ kind: "servo", servo: "tilt", step: 23 }] }],
    ["a corner moves both", { x: 0, y: 1 }, aim, { actions: [{ kind: "servo", servo: "pan", step: 30 }, { kind: "servo", servo: "tilt", step: -22 }] }],
    ["the centre moves nothing", { x: 0.51, y: 0.49 }, aim, undefined],
    ["turn: left of centre turns left", { x: 0.2, y: 0.9 }, { click: "turn", click_fov: 60 }, { command: "l" }],
    ["turn: right of centre turns right", { x: 0.8, y: 0.1 }, { click: "turn", click_fov: 60 }, { command: "r" }],
    ["off: nothing", { x: 0, y: 0 }, { click: "off", click_fov: 60 }, undefined],
  ])("%s", (_name, click, hw, plan) => {
    expect(planClick(click, hw)).toEqual(plan as ReturnType<typeof planClick>);
  });
});
