import type { Config } from "../config/schema.ts";

/**
 * The robot's body as the rest of letsrobot sees it. Every driver (simulated, Firmata, classic serial)
 * implements this; `run`, `send --local` and `hw drive` only ever talk to this interface.
 */
export type Action =
  /** Motor speeds -1..1 per side (positive = forward). Stays until the next action or stop. */
  | { kind: "drive"; left: number; right: number }
  | { kind: "stop" }
  /** Move a servo by a relative step in degrees, or to its centre. */
  | { kind: "servo"; servo: "pan" | "tilt"; step?: number; centre?: boolean }
  | { kind: "led"; on: boolean }
  /** A command the driver passes through as-is (classic serial sketches take any word). */
  | { kind: "raw"; command: string };

export interface DriverState {
  driver: string;
  connected: boolean;
  moving: boolean;
  left: number;
  right: number;
  pan?: number;
  tilt?: number;
  led?: boolean;
  /** Simulated pose, when the driver has one. */
  pose?: { x: number; y: number; heading: number };
  /** Named extra outputs (hardware.outputs) and whether each is on. */
  outputs?: Record<string, boolean>;
  /** Battery voltage and charging state, when a sensor is configured. */
  battery?: { volts: number; charging: boolean };
}

export interface HardwareDriver {
  readonly name: string;
  open(): Promise<void>;
  apply(action: Action): Promise<void>;
  /** Stop every motor. Must not throw and must be safe to call at any time, repeatedly. */
  stop(): Promise<void>;
  state(): DriverState;
  /** Stops the motors, then releases the hardware. */
  close(): Promise<void>;
}

/** A robot command and how long its action lasts when it is a pulse (0 = until released or replaced). */
export interface CommandPlan {
  action: Action;
  pulseMs: number;
}

/** Built-in command names (LetsRobot sends upper case, Remo lower case): case-insensitive. */
const builtins: Record<string, (hw: Config["hardware"]) => CommandPlan> = {
  f: (hw) => ({ action: { kind: "drive", left: 1, right: 1 }, pulseMs: hw.drive_ms }),
  forward: (hw) => builtins.f!(hw),
  b: (hw) => ({ action: { kind: "drive", left: -1, right: -1 }, pulseMs: hw.drive_ms }),
  back: (hw) => builtins.b!(hw),
  backward: (hw) => builtins.b!(hw),
  l: (hw) => ({ action: { kind: "drive", left: -1, right: 1 }, pulseMs: hw.turn_ms }),
  left: (hw) => builtins.l!(hw),
  r: (hw) => ({ action: { kind: "drive", left: 1, right: -1 }, pulseMs: hw.turn_ms }),
  right: (hw) => builtins.r!(hw),
  stop: () => ({ action: { kind: "stop" }, pulseMs: 0 }),
  s: () => ({ action: { kind: "stop" }, pulseMs: 0 }),
  u: (hw) => ({ action: { kind: "servo", servo: "tilt", step: hw.servo_step }, pulseMs: 0 }),
  up: (hw) => builtins.u!(hw),
  d: (hw) => ({ action: { kind: "servo", servo: "tilt", step: -hw.servo_step }, pulseMs: 0 }),
  down: (hw) => builtins.d!(hw),
  pan_left: (hw) => ({ action: { kind: "servo", servo: "pan", step: hw.servo_step }, pulseMs: 0 }),
  pan_right: (hw) => ({ action: { kind: "servo", servo: "pan", step: -hw.servo_step }, pulseMs: 0 }),
  centre: () => ({ action: { kind: "servo", servo: "pan", centre: true }, pulseMs: 0 }),
  center: () => ({ action: { kind: "servo", servo: "pan", centre: true }, pulseMs: 0 }),
  led_on: () => ({ action: { kind: "led", on: true }, pulseMs: 0 }),
  led_off: () => ({ action: { kind: "led", on: false }, pulseMs: 0 }),
};

/**
 * What a command means, from the built-ins and the config's [commands] map (which may alias a name to a
 * built-in, e.g. FWD = "forward"). Unknown commands become raw actions; undefined for empty input.
 */
export function planCommand(command: string, config: Pick<Config, "hardware" | "commands">): CommandPlan | undefined {
  const word = command.trim();
  if (!word) return undefined;
  const mapped = config.commands.map[word] ?? config.commands.map[word.toUpperCase()] ?? config.commands.map[word.toLowerCase()] ?? word;
  const builtin = builtins[mapped.toLowerCase()];
  return builtin ? builtin(config.hardware) : { action: { kind: "raw", command: mapped }, pulseMs: 0 };
}

/** True for actions that make the robot move (and so must be stopped by the dead-man). */
export function isMotion(action: Action): boolean {
  return action.kind === "drive" && (action.left !== 0 || action.right !== 0);
}
