import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { planCommand } from "../../lib/hardware/driver.ts";
import { createSerialLineDriver, wordFor } from "../../lib/hardware/drivers/serial-line.ts";
import { HardwareError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { type ClassicSketch, startClassicSketch } from "./classic-sketch.ts";
import { hardware, runConformance } from "./conformance.ts";

const log = createLogger("silent");

let sketch: ClassicSketch;
runConformance("serial line (classic sketch over a pty)", async () => {
  sketch = await startClassicSketch();
  return {
    driver: (overrides) => createSerialLineDriver(hardware({ ...overrides, driver: "serial", port: sketch.port }), { log }),
    observe: async () => sketch.body(),
    features: { servo: false, led: true, speed: false, outputs: true },
    dispose: () => sketch.dispose(),
  };
});

describe("classic serial words", () => {
  const config = defaults();
  const cases: [string, string][] = [
    ["F", "f"],
    ["b", "b"],
    ["L", "l"],
    ["right", "r"],
    ["stop", "stop"],
    ["U", "u"],
    ["d", "d"],
    ["pan_left", "pan_left"],
    ["centre", "centre"],
    ["LED_ON", "led_on"],
    ["Dance", "dance"],
  ];
  for (const [command, word] of cases) test(`${command} → ${word}`, () => expect(wordFor(planCommand(command, config)!.action)).toBe(word));
});

describe("serial driver with OK/ERR read-back", () => {
  let replying: ClassicSketch;
  beforeAll(async () => {
    replying = await startClassicSketch({ reply: true });
  });
  afterAll(() => replying.dispose());

  test("commands go out lower-cased with CRLF; ERR is a HardwareError naming the word, and stops the motors", async () => {
    const driver = createSerialLineDriver(hardware({ driver: "serial", port: replying.port, serial_ack: true }), { log });
    await driver.open();
    await driver.apply(planCommand("F", defaults())!.action);
    await driver.apply(planCommand("LED_ON", defaults())!.action);
    const error = await driver.apply({ kind: "raw", command: "Moonwalk" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HardwareError);
    expect((error as HardwareError).message).toBe('the board rejected "moonwalk": ERR unknown moonwalk');
    await driver.close();
    for (let i = 0; i < 200 && replying.words.length < 6; i++) await Bun.sleep(5); // the close's stop is in flight
    // open stops, the ERR stops, close stops
    expect(replying.words).toEqual(["stop", "f", "led_on", "moonwalk", "stop", "stop"]);
  });
});

describe("serial driver hot-plug", () => {
  test("an unplug is reported, commands fail clearly meanwhile, and the driver picks the board up again", async () => {
    const board = await startClassicSketch();
    const lines: string[] = [];
    const captured = createLogger("info", { write: (s: string) => lines.push(s) > 0, isTTY: false } as unknown as NodeJS.WriteStream);
    const driver = createSerialLineDriver(hardware({ driver: "serial", port: board.port }), { log: captured, retryMs: 30 });
    try {
      await driver.open();
      await driver.apply({ kind: "drive", left: 1, right: 1 });
      await board.unplug();
      for (let i = 0; i < 400 && driver.state().connected; i++) await Bun.sleep(5);
      expect(driver.state()).toMatchObject({ connected: false, moving: false });
      expect(lines.join("")).toContain(`lost the serial board on ${board.port}`);
      const error = await driver.apply({ kind: "drive", left: 1, right: 1 }).catch((e: unknown) => e);
      expect((error as HardwareError).message).toContain("is disconnected");
      await board.replug();
      for (let i = 0; i < 1000 && !driver.state().connected; i++) await Bun.sleep(5);
      expect(lines.join("")).toContain(`serial board is back on ${board.port}`);
      await driver.apply({ kind: "drive", left: -1, right: 1 });
      for (let i = 0; i < 400 && board.words.at(-1) !== "l"; i++) await Bun.sleep(5);
      expect(board.words.slice(-2)).toEqual(["stop", "l"]); // the first word after the replug is a stop
    } finally {
      await driver.close();
      await board.dispose();
    }
  }, 20000);
});

describe("port auto-selection across a replug", () => {
  test("with port = auto the board is found again when it comes back on another path", async () => {
    const first = await startClassicSketch();
    let current = first.port;
    const listPorts = () => [{ path: current, vendorId: "2341", productId: "0043", product: "Arduino Uno" }, { path: "/dev/ttyAMA0" }];
    const lines: string[] = [];
    const captured = createLogger("info", { write: (s: string) => lines.push(s) > 0, isTTY: false } as unknown as NodeJS.WriteStream);
    const driver = createSerialLineDriver(hardware({ driver: "serial", port: "auto" }), { log: captured, retryMs: 30, listPorts });
    let second: ClassicSketch | undefined;
    try {
      await driver.open();
      expect(lines.join("")).toContain(`serial board ready on ${first.port}`);
      await first.unplug();
      for (let i = 0; i < 400 && driver.state().connected; i++) await Bun.sleep(5);
      expect(driver.state().connected).toBe(false);
      second = await startClassicSketch(); // the same board, enumerated under a new name
      current = second.port;
      for (let i = 0; i < 1000 && !driver.state().connected; i++) await Bun.sleep(5);
      expect(lines.join("")).toContain(`serial board is back on ${second.port}`);
      await driver.apply({ kind: "drive", left: 1, right: 1 });
      for (let i = 0; i < 400 && second.words.at(-1) !== "f"; i++) await Bun.sleep(5);
      expect(second.words).toEqual(["stop", "f"]);
    } finally {
      await driver.close();
      await first.dispose();
      await second?.dispose();
    }
  }, 20000);
});
