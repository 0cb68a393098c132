import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFirmataDriver } from "../../lib/hardware/drivers/firmata.ts";
import type { HardwareDriver } from "../../lib/hardware/driver.ts";
import type { Hardware } from "../../lib/hardware/kinematics.ts";
import { namedOutputs } from "../../lib/hardware/outputs.ts";
import { withPreset } from "../../lib/hardware/presets.ts";
import { HardwareError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { type BodyView, hardware, runConformance } from "./conformance.ts";
import { type EmulatedBoard, type PinSnapshot, startEmulatedBoard } from "./emulated-board.ts";
import { startPtyPair } from "./pty-pair.ts";

const log = createLogger(process.env.LETSROBOT_TEST_LOG === "1" ? "debug" : "silent");

/** Read the body off the emulated pins the way a multimeter on the H-bridge inputs would. */
export function bodyOf(s: PinSnapshot | undefined, hw: Hardware): BodyView {
  if (!s) return { left: Number.NaN, right: Number.NaN };
  const duty = (pin: number) => s.duty[pin] ?? 0;
  const side = (pwm: number, dir: number) => {
    if (hw.motor_style === "dual") {
      // johnny-five's inverted PWM: second input high = forward with duty 255 - PWM; both low = off
      return duty(dir) === 255 ? (255 - duty(pwm)) / 255 : -duty(pwm) / 255;
    }
    const magnitude = duty(pwm) / 255;
    return magnitude === 0 ? 0 : duty(dir) === 255 ? magnitude : -magnitude;
  };
  const angle = (pin: number) => (s.servo[pin] === undefined ? undefined : (s.servo[pin]! - 600) / 10);
  const outputs = Object.fromEntries(namedOutputs(hw).map((o) => [o.name, duty(o.pin) === 255]));
  return { left: side(hw.left_pwm, hw.left_dir), right: side(hw.right_pwm, hw.right_dir), pan: angle(hw.pan_pin), tilt: angle(hw.tilt_pin), led: duty(hw.led_pin) === 255, outputs };
}

let board: EmulatedBoard;
let starting: Promise<EmulatedBoard> | undefined;
const emulated = () => (starting ??= startEmulatedBoard().then((b) => (board = b)));
afterAll(async () => {
  await (await starting)?.dispose();
});

let hw = hardware();
runConformance("firmata on an emulated Uno running StandardFirmata", async () => {
  await emulated();
  return {
    driver: (overrides) => {
      hw = hardware({ ...overrides, port: board.port });
      return createFirmataDriver(hw, { log });
    },
    observe: async () => bodyOf(board.latest(), hw),
    features: { servo: true, led: true, speed: true, outputs: true },
    dispose: async () => {},
  };
}, 30000);

/** A logger whose output the test can read. */
function capturedLog() {
  const lines: string[] = [];
  const stream = { write: (s: string) => lines.push(s) > 0, isTTY: false } as unknown as NodeJS.WriteStream;
  return { log: createLogger("info", stream), text: () => lines.join("") };
}

test("a device that does not speak Firmata fails the handshake with a hint about the firmware", async () => {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-silent-"));
  const pair = await startPtyPair(join(dir, "arduino"), join(dir, "nobody"));
  try {
    const driver = createFirmataDriver(hardware({ port: pair.a }), { log, handshakeMs: 2000 });
    const error = await driver.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HardwareError);
    expect((error as HardwareError).message).toBe(`no Firmata reply from ${pair.a} within 2 s`);
    expect((error as HardwareError).hint).toContain("StandardFirmata");
    await driver.close();
  } finally {
    await pair.unplug();
  }
}, 15000);

describe("StandardFirmata on an emulated ATmega328P, through a pty", () => {
  const opened: HardwareDriver[] = [];
  const open = async (overrides: Partial<Hardware>, logger = log) => {
    const driver = createFirmataDriver(hardware({ ...overrides, port: (await emulated()).port }), { log: logger, retryMs: 50 });
    opened.push(driver);
    await driver.open();
    return driver;
  };
  beforeAll(emulated, 30000);
  afterAll(async () => {
    for (const d of opened) await d.close();
  });

  test("forward raises both direction pins and sets the PWM compare registers to the speed; stop sets PWM to 0", async () => {
    const driver = await open({ speed: 200 });
    await driver.apply({ kind: "drive", left: 1, right: 1 });
    const on = await board.waitFor((s) => s.duty[5] === 200 && s.duty[6] === 200, 5000, "PWM 200 on pins 5 and 6");
    expect([on.duty[4], on.duty[7]]).toEqual([255, 255]);
    await driver.apply({ kind: "stop" });
    const off = await board.waitFor((s) => s.duty[5] === 0 && s.duty[6] === 0, 5000, "PWM 0 on pins 5 and 6");
    expect(off.duty[5]).toBe(0);
    await driver.close();
  }, 15000);

  test("a left turn drives the sides opposite ways: left direction low, right high", async () => {
    const driver = await open({ speed: 150 });
    await driver.apply({ kind: "drive", left: -1, right: 1 });
    const turn = await board.waitFor((s) => s.duty[5] === 150 && s.duty[6] === 150 && s.duty[4] === 0 && s.duty[7] === 255, 5000, "a left turn");
    expect(bodyOf(turn, hardware())).toMatchObject({ left: -150 / 255, right: 150 / 255 });
    await driver.apply({ kind: "drive", left: 1, right: -1 });
    await board.waitFor((s) => s.duty[4] === 255 && s.duty[7] === 0 && s.duty[5] === 150, 5000, "a right turn");
    await driver.close();
    await board.waitFor((s) => s.duty[5] === 0 && s.duty[6] === 0, 5000, "close stops the motors");
  }, 15000);

  test("the pan servo's pulse width moves to the commanded angle (600 µs + 10 µs per degree)", async () => {
    const driver = await open({ pan_min: 0, pan_max: 180, servo_step: 30 });
    await driver.apply({ kind: "servo", servo: "pan", centre: true });
    await board.waitFor((s) => s.servo[9] === 1500, 5000, "a 1500 µs pulse on pin 9");
    await driver.apply({ kind: "servo", servo: "pan", step: 30 });
    await board.waitFor((s) => s.servo[9] === 1800, 5000, "a 1800 µs pulse on pin 9");
    await driver.apply({ kind: "servo", servo: "pan", step: -60 });
    const last = await board.waitFor((s) => s.servo[9] === 1200, 5000, "a 1200 µs pulse on pin 9");
    expect(driver.state().pan).toBe(60);
    expect(last.servo[10]).toBeDefined(); // tilt holds its centre too
    await driver.close();
  }, 15000);

  test("dual (two-input H-bridge): forward raises the second input and inverts PWM; stop leaves both inputs low", async () => {
    const driver = await open({ motor_style: "dual", speed: 200, left_pwm: 5, left_dir: 3, right_pwm: 6, right_dir: 11, pan_pin: -1, tilt_pin: -1 });
    await driver.apply({ kind: "drive", left: 1, right: 1 });
    await board.waitFor((s) => s.duty[3] === 255 && s.duty[5] === 55 && s.duty[11] === 255 && s.duty[6] === 55, 5000, "dual forward");
    await driver.apply({ kind: "drive", left: -1, right: -1 });
    await board.waitFor((s) => s.duty[3] === 0 && s.duty[5] === 200 && s.duty[11] === 0 && s.duty[6] === 200, 5000, "dual reverse");
    await driver.stop();
    await board.waitFor((s) => [3, 5, 6, 11].every((p) => s.duty[p] === 0), 5000, "dual stop");
    await driver.close();
  }, 15000);

  test("a pin the board cannot use is a HardwareError naming the config key, and nothing is driven", async () => {
    const error = await open({ left_pwm: 4, left_dir: 2, pan_pin: 40 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HardwareError);
    expect((error as HardwareError).message).toBe("hardware.left_pwm = 4: pin 4 cannot do PWM; hardware.pan_pin = 40: this board has no usable pin 40");
    expect((error as HardwareError).hint).toContain("PWM pins on this board: 3, 5, 6, 9, 10, 11");
    expect(board.latest()?.duty[4]).toBe(0);
  }, 15000);

  test("the arduino-motor-shield preset drives its pins (PWM 3/11, DIR 12/13), holds the brakes low, servos on 5", async () => {
    const hw = withPreset(hardware({ preset: "arduino-motor-shield", speed: 200, port: (await emulated()).port }));
    const driver = createFirmataDriver(hw, { log });
    opened.push(driver);
    await driver.open();
    await driver.apply({ kind: "drive", left: 1, right: -1 });
    // (an earlier test's servo on pin 9 lets go when the brake output claims the pin)
    const s = await board.waitFor((p) => p.duty[3] === 200 && p.duty[11] === 200 && p.duty[9] === 0, 5000, "PWM 200 on pins 3 and 11, brake A low");
    expect([s.duty[12], s.duty[13], s.duty[9], s.duty[8]]).toEqual([255, 0, 0, 0]);
    await board.waitFor((p) => p.servo[5] === 1500, 5000, "the pan servo on pin 5");
    await driver.close();
    await board.waitFor((p) => p.duty[3] === 0 && p.duty[11] === 0, 5000, "stopped");
  }, 15000);

  test("the battery sensor reports volts through the divider and a charging state", async () => {
    board.setAnalog(2, 2.1);
    const driver = await open({ battery_pin: 2, battery_scale: 2, battery_charging_volts: 4 });
    const deadline = Date.now() + 5000;
    while (driver.state().battery === undefined && Date.now() < deadline) await Bun.sleep(20);
    const battery = driver.state().battery;
    expect(battery?.volts).toBeCloseTo(4.2, 1);
    expect(battery?.charging).toBe(true);
    await driver.close();
  }, 15000);

  test("unplugging is reported, commands fail clearly meanwhile, and the driver recovers when the board returns", async () => {
    const captured = capturedLog();
    const driver = await open({ speed: 180 }, captured.log);
    await driver.apply({ kind: "drive", left: 1, right: 1 });
    await board.waitFor((s) => s.duty[5] === 180, 5000, "driving before the unplug");
    await board.unplug();
    const deadline = Date.now() + 5000;
    while (driver.state().connected && Date.now() < deadline) await Bun.sleep(10);
    expect(driver.state()).toMatchObject({ connected: false, moving: false });
    expect(captured.text()).toContain("lost the Firmata board on");
    expect(captured.text()).toContain("reconnecting when it returns");
    const error = await driver.apply({ kind: "drive", left: 1, right: 1 }).catch((e: Error & { hint?: string }) => e);
    expect((error as Error).message).toContain("is disconnected");
    await driver.stop(); // never throws, even now

    await board.replug();
    const back = Date.now() + 15000;
    while (!driver.state().connected && Date.now() < back) await Bun.sleep(20);
    expect(driver.state().connected).toBe(true);
    expect(captured.text()).toContain("Firmata board is back on");
    await driver.apply({ kind: "drive", left: -1, right: 1 });
    await board.waitFor((s) => s.duty[5] === 180 && s.duty[4] === 0 && s.duty[7] === 255, 5000, "driving after the replug");
    await driver.close();
    await board.waitFor((s) => s.duty[5] === 0 && s.duty[6] === 0, 5000, "stopped after close");
  }, 30000);
});
