import { describe, expect, test } from "bun:test";
import { clampAngle, dutyOf, servoCentre, sideSpeeds } from "../../lib/hardware/kinematics.ts";
import { withPreset } from "../../lib/hardware/presets.ts";
import { hardware } from "./conformance.ts";
import { parseIntelHex } from "./intel-hex.ts";

describe("kinematics", () => {
  const speeds: [string, { left: number; right: number }, number, number, { left: number; right: number }][] = [
    ["full forward, no trim", { left: 1, right: 1 }, 1, 1, { left: 1, right: 1 }],
    ["trim slows one side", { left: 1, right: 1 }, 0.5, 1, { left: 0.5, right: 1 }],
    ["reverse keeps its sign through trim", { left: -1, right: -1 }, 1, 0.8, { left: -1, right: -0.8 }],
    ["out of range is clamped", { left: 3, right: -7 }, 1, 1, { left: 1, right: -1 }],
    ["NaN is no motion", { left: Number.NaN, right: 1 }, 1, 1, { left: 0, right: 1 }],
  ];
  for (const [name, drive, trimLeft, trimRight, expected] of speeds) {
    test(`sideSpeeds: ${name}`, () => expect(sideSpeeds(drive, { trim_left: trimLeft, trim_right: trimRight })).toEqual(expected));
  }

  const duties: [number, number, number][] = [
    [1, 255, 255],
    [-1, 255, 255],
    [0.5, 200, 100],
    [0, 255, 0],
    [0.35, 255, 89],
  ];
  for (const [speed, max, duty] of duties) test(`dutyOf(${speed}) at speed ${max} = ${duty}`, () => expect(dutyOf(speed, { speed: max })).toBe(duty));

  const centres: [Partial<Parameters<typeof hardware>[0]>, number][] = [
    [{ pan_min: 10, pan_max: 170 }, 90],
    [{ pan_min: 0, pan_max: 120 }, 60],
    [{ pan_min: 170, pan_max: 10 }, 90],
    [{ pan_min: 20, pan_max: 160, pan_centre: 70 }, 70],
    [{ pan_min: 20, pan_max: 160, pan_centre: 175 }, 160],
  ];
  for (const [overrides, centre] of centres) test(`servoCentre ${JSON.stringify(overrides)} = ${centre}`, () => expect(servoCentre(hardware(overrides), "pan")).toBe(centre));

  test("clampAngle keeps angles within the limits, whichever way round they are given", () => {
    expect(clampAngle(hardware({ tilt_min: 30, tilt_max: 150 }), "tilt", 10)).toBe(30);
    expect(clampAngle(hardware({ tilt_min: 150, tilt_max: 30 }), "tilt", 200)).toBe(150);
    expect(clampAngle(hardware(), "tilt", 99.6)).toBe(100);
  });
});

describe("Intel HEX", () => {
  const record = (address: number, type: number, data: number[]) => {
    const bytes = [data.length, address >> 8, address & 0xff, type, ...data];
    const sum = (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
    return `:${[...bytes, sum].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join("")}`;
  };

  test("data records land at their addresses, the rest of flash is erased (0xFF)", () => {
    const image = parseIntelHex([record(0x0000, 0, [0x0c, 0x94, 0x5c, 0x00]), record(0x0010, 0, [0xaa]), record(0, 1, [])].join("\n"), 32);
    expect([...image.subarray(0, 5)]).toEqual([0x0c, 0x94, 0x5c, 0x00, 0xff]);
    expect(image[0x10]).toBe(0xaa);
  });

  test("extended segment and linear addresses move the base", () => {
    const image = parseIntelHex([record(0, 2, [0x00, 0x10]), record(0x0002, 0, [1]), record(0, 4, [0x00, 0x00]), record(0x0003, 0, [2]), record(0, 1, [])].join("\r\n"), 0x200);
    expect(image[0x102]).toBe(1);
    expect(image[0x003]).toBe(2);
  });

  const bad: [string, string, RegExp][] = [
    ["a bad checksum", ":0100000001FF", /line 1: bad checksum/],
    ["not a record", "hello", /line 1: not an Intel HEX record/],
    ["a short record", ":0400000001FB", /line 1: length 4 does not match/],
  ];
  for (const [name, text, message] of bad) test(`rejects ${name}`, () => expect(() => parseIntelHex(text)).toThrow(message));

  test("data past the end of flash is an error", () => {
    expect(() => parseIntelHex(record(0x0020, 0, [1, 2]), 0x21)).toThrow(/past the 33-byte flash/);
  });
});

describe("presets", () => {
  test("a preset replaces values still at their defaults", () => {
    const hw = withPreset(hardware({ preset: "arduino-motor-shield" }));
    expect([hw.left_pwm, hw.left_dir, hw.right_pwm, hw.right_dir, hw.led_pin]).toEqual([3, 12, 11, 13, -1]);
    expect(hw.outputs).toEqual({ brake_a: "9", brake_b: "8" });
  });

  test("keys the owner set win over the preset", () => {
    const hw = withPreset(hardware({ preset: "arduino-motor-shield", pan_pin: 10, outputs: { horn: "2" } }));
    expect(hw.pan_pin).toBe(10);
    expect(hw.outputs).toEqual({ horn: "2" });
    expect(hw.left_pwm).toBe(3);
  });

  test("no preset changes nothing", () => {
    const hw = hardware({ left_pwm: 9 });
    expect(withPreset(hw)).toBe(hw);
  });
});
