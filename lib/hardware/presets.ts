import { defaults } from "../config/schema.ts";
import type { Hardware } from "./kinematics.ts";

/**
 * Pin maps of common motor kits, so an owner with one of them sets hardware.preset instead of every pin.
 * Facts from the kits' documentation.
 */
const presets: Record<string, Partial<Hardware>> = {
  // DFRobot L298P motor shield / Romeo boards: E1 = 5, M1 = 4, E2 = 6, M2 = 7 (our defaults)
  "dfrobot-l298p": { motor_style: "pwm-dir", left_pwm: 5, left_dir: 4, right_pwm: 6, right_dir: 7 },
  // Arduino Motor Shield Rev3: channel A PWM 3 / DIR 12 / BRAKE 9, channel B PWM 11 / DIR 13 / BRAKE 8.
  // The brakes must be held low (named outputs start off); pin 13 is taken, so no LED; servos move to 5 and 6.
  "arduino-motor-shield": {
    motor_style: "pwm-dir",
    left_pwm: 3,
    left_dir: 12,
    right_pwm: 11,
    right_dir: 13,
    pan_pin: 5,
    tilt_pin: 6,
    led_pin: -1,
    outputs: { brake_a: "9", brake_b: "8" },
  },
};

/**
 * hardware with its preset applied: the preset replaces values still at their defaults; anything the owner
 * set (to something other than the default) wins.
 */
export function withPreset(hw: Hardware): Hardware {
  const preset = presets[hw.preset];
  if (!preset) return hw;
  const base = defaults().hardware as Record<string, unknown>;
  const out = { ...hw } as Record<string, unknown>;
  for (const [key, value] of Object.entries(preset)) {
    const current = out[key];
    const untouched = JSON.stringify(current) === JSON.stringify(base[key]);
    if (untouched) out[key] = value;
  }
  return out as Hardware;
}
