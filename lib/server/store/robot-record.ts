import { UsageError } from "../../errors.ts";

/** What the local platform knows about a robot (no secrets: those live only as hashes in the store). */
export interface RobotRecord {
  id: string;
  cameraId: string;
  name: string;
  owner: string;
  /** Refuse robot sockets that do not present the robot key. On for new robots; off lets key-less old clients in. */
  requireKey: boolean;
  settings: RobotSettings;
  buttons: ButtonDef[];
  createdAt: number;
}

export interface RobotSettings {
  xres: number;
  yres: number;
  mic_enabled: boolean;
  /** Let viewers without a name drive. */
  anonymous_control: boolean;
  /** The viewer page sends a click or tap on the video to the robot (`custom_event` `mousedown:X:Y`). */
  video_click: boolean;
}

/** One button of the viewer page: the command it sends, and keyboard keys that press it. */
export interface ButtonDef {
  label: string;
  command: string;
  keys?: string[];
}

export const defaultSettings: RobotSettings = { xres: 640, yres: 480, mic_enabled: true, anonymous_control: true, video_click: false };

export const defaultButtons: ButtonDef[] = [
  { label: "Forward", command: "F", keys: ["ArrowUp", "w"] },
  { label: "Left", command: "L", keys: ["ArrowLeft", "a"] },
  { label: "Back", command: "B", keys: ["ArrowDown", "s"] },
  { label: "Right", command: "R", keys: ["ArrowRight", "d"] },
  { label: "Look up", command: "U", keys: ["i"] },
  { label: "Look down", command: "D", keys: ["k"] },
  { label: "Light on", command: "LED_ON", keys: ["o"] },
  { label: "Light off", command: "LED_OFF", keys: ["p"] },
];

const nameRule = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** A robot or user name: 1–32 letters, digits, `_`, `.`, `-`, starting with a letter or digit. */
export function validName(name: string): boolean {
  return nameRule.test(name);
}

/** A new robot's name and its owner's, or a UsageError saying which one is wrong and what is allowed. */
export function requireNames(robot: string, owner: string): void {
  for (const [what, value] of [["robot name", robot], ["owner", owner]] as const) {
    if (!validName(value)) throw new UsageError(`invalid ${what} ${JSON.stringify(value)}`, "use 1-32 letters, digits, _ . - (starting with a letter or digit)");
  }
}

/** Settings with unknown keys dropped and each known key type-checked; undefined when the patch is bad. */
export function mergeSettings(base: RobotSettings, patch: unknown): RobotSettings | string {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return "settings must be an object";
  const out: RobotSettings = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === "xres" || key === "yres") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 16 || value > 3840) return `${key} must be an integer 16-3840`;
      out[key] = value;
    } else if (key === "mic_enabled" || key === "anonymous_control" || key === "video_click") {
      if (typeof value !== "boolean") return `${key} must be true or false`;
      out[key] = value;
    } else {
      return `unknown setting ${key}`;
    }
  }
  return out;
}

/** A button layout from untrusted input, or an error text. */
export function parseButtons(input: unknown): ButtonDef[] | string {
  if (!Array.isArray(input) || input.length > 40) return "buttons must be a list of at most 40 buttons";
  const out: ButtonDef[] = [];
  for (const item of input) {
    const b = item as Partial<ButtonDef> | null;
    if (typeof b !== "object" || b === null) return "each button must be an object {label, command, keys?}";
    if (typeof b.label !== "string" || b.label.length < 1 || b.label.length > 32) return "button label must be 1-32 characters";
    if (typeof b.command !== "string" || !validCommand(b.command)) return `button command ${JSON.stringify(b.command)} is not valid`;
    const keys = b.keys === undefined ? undefined : Array.isArray(b.keys) && b.keys.every((k) => typeof k === "string" && k.length <= 16) ? b.keys.slice(0, 4) : null;
    if (keys === null) return "button keys must be a list of key names";
    out.push(keys ? { label: b.label, command: b.command, keys } : { label: b.label, command: b.command });
  }
  return out;
}

/** Commands are short printable words: letters, digits and `_ : . , - +` (custom events like `mousedown:10:20`). */
export function validCommand(command: string): boolean {
  return /^[A-Za-z0-9_:.,+-]{1,64}$/.test(command);
}
