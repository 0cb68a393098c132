import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createFirmataDriver } from "../../lib/hardware/drivers/firmata.ts";
import type { HardwareDriver } from "../../lib/hardware/driver.ts";
import type { Hardware } from "../../lib/hardware/kinematics.ts";
import { createLogger } from "../../lib/log.ts";
import { type BodyView, hardware, runConformance } from "./conformance.ts";
import { type EmulatedBoard, type PinSnapshot, startEmulatedBoard } from "./emulated-board.ts";

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
  return { left: side(hw.left_pwm, hw.left_dir), right: side(hw.right_pwm, hw.right_dir), pan: angle(hw.pan_pin), tilt: angle(hw.tilt_pin), led: duty(hw.led_pin) === 255 };
}

let board: EmulatedBoard;
let hw = hardware();
runConformance("firmata on an emulated Uno running StandardFirmata", async () => {
  board = await startEmulatedBoard();
  return {
    driver: (overrides) => {
      hw = hardware({ ...overrides, port: board.port });
      return createFirmataDriver(hw, { log });
    },
    observe: async () => bodyOf(board.latest(), hw),
    features: { servo: true, led: true, speed: true },
    dispose: () => board.dispose(),
  };
}, 30000);
