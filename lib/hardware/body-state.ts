import type { Action, DriverState } from "./driver.ts";
import { clampAngle, type Hardware, servoCentre, sideSpeeds } from "./kinematics.ts";
import { type NamedOutput, namedOutputs, outputSwitch } from "./outputs.ts";

/**
 * What every driver remembers about the robot's body: wheel speeds, camera servos, the LED and the named
 * outputs. Drivers record each action here and report it through `snapshot`; only how an action reaches the
 * hardware differs between them.
 */
export class BodyState {
  left = 0;
  right = 0;
  pan: number;
  tilt: number;
  led = false;
  readonly outputs: readonly NamedOutput[];
  readonly switched: Record<string, boolean>;

  constructor(private readonly hw: Hardware) {
    this.pan = servoCentre(hw, "pan");
    this.tilt = servoCentre(hw, "tilt");
    this.outputs = namedOutputs(hw);
    this.switched = Object.fromEntries(this.outputs.map((o) => [o.name, false]));
  }

  get moving(): boolean {
    return this.left !== 0 || this.right !== 0;
  }

  halt(): void {
    this.left = 0;
    this.right = 0;
  }

  /** The body after `action`; for a raw command, the named output it switches (undefined: not one of ours). */
  record(action: Action): { output: NamedOutput; on: boolean } | undefined {
    switch (action.kind) {
      case "drive":
        ({ left: this.left, right: this.right } = sideSpeeds(action, this.hw));
        return undefined;
      case "stop":
        this.halt();
        return undefined;
      case "servo": {
        const current = this[action.servo];
        this[action.servo] = action.centre ? servoCentre(this.hw, action.servo) : clampAngle(this.hw, action.servo, current + (action.step ?? 0));
        return undefined;
      }
      case "led":
        this.led = action.on;
        return undefined;
      case "raw": {
        const sw = outputSwitch(action, this.outputs);
        if (sw) this.switched[sw.output.name] = sw.on;
        return sw;
      }
    }
  }

  snapshot(driver: string, connected: boolean): DriverState {
    return {
      driver,
      connected,
      moving: this.moving,
      left: this.left,
      right: this.right,
      pan: this.pan,
      tilt: this.tilt,
      led: this.led,
      ...(this.outputs.length > 0 ? { outputs: { ...this.switched } } : {}),
    };
  }
}
