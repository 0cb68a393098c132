import type { Config } from "../config/schema.ts";

/**
 * What every driver does with an action's numbers: per-side speed with trim, servo limits and centre.
 * Pure, shared by the sim, Firmata and test code so they agree on meaning.
 */
export type Hardware = Config["hardware"];

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Effective side speeds -1..1 after trim (the PWM duty is |speed| × hardware.speed). */
export function sideSpeeds(drive: { left: number; right: number }, hw: Pick<Hardware, "trim_left" | "trim_right">): { left: number; right: number } {
  const side = (v: number, trim: number) => (Number.isFinite(v) ? clamp(v, -1, 1) * trim : 0);
  return { left: side(drive.left, hw.trim_left), right: side(drive.right, hw.trim_right) };
}

/** PWM duty 0-255 for an effective side speed. */
export function dutyOf(speed: number, hw: Pick<Hardware, "speed">): number {
  return Math.round(Math.abs(speed) * hw.speed);
}

type ServoName = "pan" | "tilt";

function limits(hw: Hardware, servo: ServoName): [number, number] {
  const a = servo === "pan" ? hw.pan_min : hw.tilt_min;
  const b = servo === "pan" ? hw.pan_max : hw.tilt_max;
  return a <= b ? [a, b] : [b, a];
}

/** The servo's centre: hardware.pan_centre / tilt_centre when set (within the limits), else halfway between them. */
export function servoCentre(hw: Hardware, servo: ServoName): number {
  const [low, high] = limits(hw, servo);
  const configured = servo === "pan" ? hw.pan_centre : hw.tilt_centre;
  return configured >= 0 ? clamp(configured, low, high) : Math.round((low + high) / 2);
}

export function clampAngle(hw: Hardware, servo: ServoName, angle: number): number {
  const [low, high] = limits(hw, servo);
  return clamp(Math.round(angle), low, high);
}
