import { HardwareError } from "../errors.ts";
import type { Action } from "./driver.ts";
import type { Hardware } from "./kinematics.ts";

/** A named extra output from hardware.outputs: a LED strip, a relay, a horn. */
export interface NamedOutput {
  name: string;
  pin: number;
}

/** hardware.outputs as pins, rejecting what cannot be a pin with the key named. */
export function namedOutputs(hw: Pick<Hardware, "outputs">): NamedOutput[] {
  return Object.entries(hw.outputs ?? {}).map(([name, text]) => {
    const pin = Number(text);
    if (!/^[a-z][a-z0-9_]*$/i.test(name)) {
      throw new HardwareError(`hardware.outputs.${name}: "${name}" is not a usable name`, "use letters, digits and _, starting with a letter, e.g. headlight");
    }
    if (!Number.isInteger(pin) || pin < 0 || pin > 69) {
      throw new HardwareError(`hardware.outputs.${name} = "${text}": not a pin number`, 'give the pin as a number in quotes, e.g. { headlight = "8" }');
    }
    return { name: name.toLowerCase(), pin };
  });
}

/** NAME_ON / NAME_OFF (any case) for a configured output, from a raw command; undefined otherwise. */
export function outputSwitch(action: Action, outputs: readonly NamedOutput[]): { output: NamedOutput; on: boolean } | undefined {
  if (action.kind !== "raw") return undefined;
  const match = /^(.+)_(on|off)$/i.exec(action.command.trim());
  if (!match) return undefined;
  const output = outputs.find((o) => o.name === match[1]!.toLowerCase());
  return output ? { output, on: match[2]!.toLowerCase() === "on" } : undefined;
}
