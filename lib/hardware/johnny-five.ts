import { Board, Led, Motor, Sensor, Servo } from "johnny-five";
import { HardwareError } from "../errors.ts";
import type { Hardware } from "./kinematics.ts";
import { dutyOf } from "./kinematics.ts";
import { namedOutputs } from "./outputs.ts";

/**
 * The johnny-five adapter: a robot body (two drive motors, pan/tilt servos, an LED, a battery sensor) on a
 * Firmata io, mapped from config.hardware. The only import of johnny-five.
 */
export interface Body {
  /** Effective side speeds -1..1 (trim already applied). */
  drive(left: number, right: number): void;
  stop(): void;
  servo(which: "pan" | "tilt", angle: number): void;
  led(on: boolean): void;
  /** Switch a named output from hardware.outputs. */
  output(name: string, on: boolean): void;
  /** Volts at the battery divider's top, when hardware.battery_pin is set and a reading has arrived. */
  batteryVolts(): number | undefined;
  /** Stop listening to the board (the link is closed by its owner). */
  dispose(): void;
}

const connected = (pin: number) => pin >= 0;

/**
 * Attach johnny-five to `io`, open the link (`open`: johnny-five must be listening before the link says it
 * is open), wait for the Firmata handshake, then set up the body's parts.
 */
export async function connectBody(io: unknown, hw: Hardware, options: { timeoutMs: number; where: string; open: () => Promise<void>; check?: () => void }): Promise<Body> {
  const board = new Board({ io, repl: false, debug: false, sigint: false, timeout: options.timeoutMs });
  board.on("error", () => {}); // handshake failures are reported below; later ones through the link's close event
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new HardwareError(
          `no Firmata reply from ${options.where} within ${Math.round(options.timeoutMs / 1000)} s`,
          "upload StandardFirmata to the board (Arduino IDE: File > Examples > Firmata > StandardFirmata) and check hardware.baud (57600)",
        ),
      );
    }, options.timeoutMs);
    board.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
    board.once("error", (error: Error) => {
      clearTimeout(timer);
      reject(new HardwareError(`Firmata handshake with ${options.where} failed: ${error.message}`, "check the cable and that StandardFirmata is uploaded", { cause: error }));
    });
  });
  await options.open();
  await ready;
  options.check?.(); // before any part is set up, so a bad pin is never driven

  const dual = hw.motor_style === "dual";
  const motor = (pwm: number, dir: number) => (connected(pwm) && connected(dir) ? new Motor({ board, pins: { pwm, dir }, invertPWM: dual, threshold: 0 }) : undefined);
  const left = motor(hw.left_pwm, hw.left_dir);
  const right = motor(hw.right_pwm, hw.right_dir);
  const servo = (pin: number, min: number, max: number, centre: number) =>
    connected(pin) ? new Servo({ board, pin, range: [Math.min(min, max), Math.max(min, max)], startAt: centre }) : undefined;
  const pan = servo(hw.pan_pin, hw.pan_min, hw.pan_max, Math.round((hw.pan_min + hw.pan_max) / 2));
  const tilt = servo(hw.tilt_pin, hw.tilt_min, hw.tilt_max, Math.round((hw.tilt_min + hw.tilt_max) / 2));
  const led = connected(hw.led_pin) ? new Led({ board, pin: hw.led_pin }) : undefined;
  const outputs = new Map(namedOutputs(hw).map((o) => [o.name, new Led({ board, pin: o.pin })]));
  for (const output of outputs.values()) output.off();
  const battery = hw.battery_pin >= 0 ? new Sensor({ board, pin: `A${hw.battery_pin}`, freq: 200, threshold: 1 }) : undefined;
  let reading: number | undefined;
  battery?.on("data", () => {
    reading = battery.value;
  });

  /** pwm-dir: direction pin high = forward, PWM = duty. dual: johnny-five's inverted PWM on the second input. */
  const side = (m: Motor | undefined, speed: number) => {
    if (!m) return;
    const duty = dutyOf(speed, hw);
    if (duty === 0) halt(m);
    else if (speed > 0) m.forward(duty);
    else m.reverse(duty);
  };
  // reverse(0) leaves both inputs low in dual mode (coast); in pwm-dir mode it is PWM 0
  const halt = (m: Motor | undefined) => (dual ? m?.reverse(0) : m?.stop());

  return {
    drive(l, r) {
      side(left, l);
      side(right, r);
    },
    stop() {
      halt(left);
      halt(right);
    },
    servo(which, angle) {
      (which === "pan" ? pan : tilt)?.to(angle);
    },
    led(on) {
      if (on) led?.on();
      else led?.off();
    },
    output(name, on) {
      const output = outputs.get(name);
      if (on) output?.on();
      else output?.off();
    },
    batteryVolts: () => (reading === undefined ? undefined : (reading / 1023) * 5),
    dispose() {
      battery?.disable();
      board.removeAllListeners();
      board.on("error", () => {});
    },
  };
}
