import firmataIo from "firmata-io";
import { HardwareError } from "../errors.ts";
import type { Hardware } from "./kinematics.ts";
import { namedOutputs } from "./outputs.ts";
import type { SerialLink } from "./tty-port.ts";

/** The firmata-io adapter: the Firmata protocol over any serialport-style link. The only import of firmata-io. */
export type FirmataIo = InstanceType<typeof firmataIo.Firmata>;

/** Firmata queries (protocol facts): report version, and the sysex queries of the handshake's later stages. */
const QUERY = {
  version: [0xf9, 0xf0, 0x79, 0xf7],
  firmware: [0xf0, 0x79, 0xf7],
  capabilities: [0xf0, 0x6b, 0xf7],
  analogMapping: [0xf0, 0x69, 0xf7],
};

/**
 * Firmata over `link`. The version query goes out after `queryAfterMs` unless the board announced itself
 * first (a board that resets on open does; an emulated or already running one does not). firmata-io asks
 * each handshake question once; a question lost on the wire (a board still in its bootloader, traffic
 * left from an earlier session) would hang it, so the stage it is stuck at is asked again every `retryMs`.
 */
export function createFirmataIo(link: SerialLink, options: { queryAfterMs?: number; retryMs?: number } = {}): { io: FirmataIo; stopAsking(): void } {
  const io = new firmataIo.Firmata(link, { reportVersionTimeout: options.queryAfterMs ?? 500 });
  const retry = setInterval(() => {
    if (io.isReady || !link.isOpen) return;
    const query = !io.versionReceived
      ? QUERY.version
      : !io.firmware?.name
        ? QUERY.firmware
        : io.pins.length === 0
          ? QUERY.capabilities
          : QUERY.analogMapping;
    link.write(Uint8Array.from(query));
  }, options.retryMs ?? 1000);
  const stop = () => clearInterval(retry);
  io.once("ready", stop);
  link.once("close", stop);
  return { io, stopAsking: stop };
}

/** The firmware's name and version as reported in the handshake, e.g. "StandardFirmata.ino 2.4". */
export function firmwareName(io: FirmataIo): string {
  const { name, version } = io.firmware ?? {};
  return `${name ?? "Firmata"}${version ? ` ${version.major}.${version.minor}` : ""}`;
}

/** Firmata pin modes (from the protocol): what a configured pin must support. */
const MODES = { output: 1, pwm: 3, servo: 4 } as const;
type Need = keyof typeof MODES;

/** Which config keys name pins, and what each pin must be able to do for the configured wiring. */
function pinNeeds(hw: Hardware): [key: string, pin: number, need: Need][] {
  // dual wiring drives PWM on the first pin and a plain level on the second, exactly like pwm-dir
  const needs: [string, number, Need][] = [
    ["left_pwm", hw.left_pwm, "pwm"],
    ["left_dir", hw.left_dir, "output"],
    ["right_pwm", hw.right_pwm, "pwm"],
    ["right_dir", hw.right_dir, "output"],
    ["pan_pin", hw.pan_pin, "servo"],
    ["tilt_pin", hw.tilt_pin, "servo"],
    ["led_pin", hw.led_pin, "output"],
    ...namedOutputs(hw).map((o): [string, number, Need] => [`outputs.${o.name}`, o.pin, "output"]),
  ];
  return needs.filter(([, pin]) => pin >= 0);
}

/**
 * Check the configured pins against what the board reported in the capability query, so a wrong pin is
 * an error naming the key rather than a motor that silently never moves.
 */
export function checkPins(io: FirmataIo, hw: Hardware): void {
  const pins = io.pins ?? [];
  if (pins.length === 0) return; // the board skipped the capability report: nothing to check against
  const able = (need: Need) => pins.flatMap((p, i) => (p.supportedModes.includes(MODES[need]) ? [i] : []));
  const problems: string[] = [];
  let hint = "";
  for (const [key, pin, need] of pinNeeds(hw)) {
    const info = pins[pin];
    if (!info || info.supportedModes.length === 0) {
      problems.push(`hardware.${key} = ${pin}: this board has no usable pin ${pin}`);
      hint ||= `usable pins are 0-${pins.length - 1}`;
    } else if (!info.supportedModes.includes(MODES[need])) {
      problems.push(`hardware.${key} = ${pin}: pin ${pin} cannot do ${need === "pwm" ? "PWM" : need}`);
      hint ||= `${need === "pwm" ? "PWM" : need} pins on this board: ${able(need).join(", ")}`;
    }
  }
  if (problems.length > 0) throw new HardwareError(problems.join("; "), `${hint}; fix [hardware] in letsrobot.toml (-1 = not connected)`);
}
