import type { Action, HardwareDriver } from "./driver.ts";
import { type Hardware, servoCentre } from "./kinematics.ts";

/** One step of `hw test`: what to do, for how long, and what to tell the owner. */
export interface TestStep {
  say: string;
  action: Action;
  holdMs: number;
}

/** Low speed for the self-test: enough to see a wheel turn, not enough to drive off the table. */
export const TEST_SPEED = 0.35;

/**
 * The self-test as data: each motor briefly each way at low speed (stopping between), the servos sweep
 * from one limit to the other and back to the centre, the LED blinks. Ends stopped and centred.
 */
export function selfTestPlan(hw: Hardware, options: { moveMs?: number; pauseMs?: number } = {}): TestStep[] {
  const move = options.moveMs ?? 400;
  const pause = options.pauseMs ?? 200;
  const steps: TestStep[] = [];
  const stop: Action = { kind: "stop" };
  for (const [side, sign, word] of [
    ["left", 1, "forward"],
    ["left", -1, "backward"],
    ["right", 1, "forward"],
    ["right", -1, "backward"],
  ] as const) {
    const speed = sign * TEST_SPEED;
    steps.push({ say: `${side} motor ${word}`, action: { kind: "drive", left: side === "left" ? speed : 0, right: side === "right" ? speed : 0 }, holdMs: move });
    steps.push({ say: "stop", action: stop, holdMs: pause });
  }
  for (const servo of ["pan", "tilt"] as const) {
    if ((servo === "pan" ? hw.pan_pin : hw.tilt_pin) < 0) continue;
    const low = servo === "pan" ? hw.pan_min : hw.tilt_min;
    const high = servo === "pan" ? hw.pan_max : hw.tilt_max;
    const centre = servoCentre(hw, servo);
    steps.push({ say: `${servo} to ${low}°`, action: { kind: "servo", servo, step: low - centre }, holdMs: move });
    steps.push({ say: `${servo} to ${high}°`, action: { kind: "servo", servo, step: high - low }, holdMs: move });
    steps.push({ say: `${servo} to the centre`, action: { kind: "servo", servo, centre: true }, holdMs: pause });
  }
  if (hw.led_pin >= 0) {
    for (let i = 0; i < 3; i++) {
      steps.push({ say: "LED on", action: { kind: "led", on: true }, holdMs: pause });
      steps.push({ say: "LED off", action: { kind: "led", on: false }, holdMs: pause });
    }
  }
  return steps;
}

/** Sleep that ends early when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Run the steps in order; always ends with the motors stopped, even when aborted or a step fails. */
export async function runSelfTest(
  driver: HardwareDriver,
  steps: readonly TestStep[],
  deps: { onStep?: (step: TestStep, index: number) => void; signal?: AbortSignal },
): Promise<{ completed: number }> {
  let completed = 0;
  try {
    for (const [index, step] of steps.entries()) {
      if (deps.signal?.aborted) break;
      deps.onStep?.(step, index);
      await driver.apply(step.action);
      await pause(step.holdMs, deps.signal);
      completed += 1;
    }
  } finally {
    await driver.stop();
  }
  return { completed };
}
