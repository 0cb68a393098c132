import { describe, expect, test } from "bun:test";
import { HardwareError } from "../../lib/errors.ts";
import { namedOutputs, outputSwitch } from "../../lib/hardware/outputs.ts";

describe("named outputs", () => {
  const outputs = namedOutputs({ outputs: { Headlight: "8", horn: "12" } });

  test("names are matched in any case, pins parsed", () => {
    expect(outputs).toEqual([
      { name: "headlight", pin: 8 },
      { name: "horn", pin: 12 },
    ]);
  });

  const switches: [string, { name: string; on: boolean } | undefined][] = [
    ["HEADLIGHT_ON", { name: "headlight", on: true }],
    ["headlight_off", { name: "headlight", on: false }],
    ["Horn_On", { name: "horn", on: true }],
    ["LASER_ON", undefined],
    ["headlight", undefined],
  ];
  for (const [command, expected] of switches) {
    test(command, () => {
      const sw = outputSwitch({ kind: "raw", command }, outputs);
      expect(sw ? { name: sw.output.name, on: sw.on } : undefined).toEqual(expected);
    });
  }

  test("only raw commands switch outputs", () => {
    expect(outputSwitch({ kind: "led", on: true }, outputs)).toBeUndefined();
  });

  const bad: [Record<string, string>, string][] = [
    [{ horn: "twelve" }, 'hardware.outputs.horn = "twelve": not a pin number'],
    [{ horn: "-1" }, 'hardware.outputs.horn = "-1": not a pin number'],
    [{ "9lives": "3" }, 'hardware.outputs.9lives: "9lives" is not a usable name'],
  ];
  for (const [config, message] of bad) {
    test(`rejects ${JSON.stringify(config)}`, () => {
      let error: unknown;
      try {
        namedOutputs({ outputs: config });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HardwareError);
      expect((error as HardwareError).message).toBe(message);
      expect((error as HardwareError).hint).toBeTruthy();
    });
  }
});
