import type { Config } from "../../config/schema.ts";
import type { Logger } from "../../log.ts";
import type { Action, DriverState, HardwareDriver } from "../driver.ts";
import { BodyState } from "../body-state.ts";
import { DriverLife } from "../driver-life.ts";

/** Top wheel speed of the simulated robot in metres per second, and the distance between its wheels. */
const TOP_SPEED = 0.3;
const WHEEL_BASE = 0.15;

export interface SimOptions {
  /** Milliseconds since any epoch; injectable so tests can move time by hand. */
  now?: () => number;
  log?: Logger;
}

export interface Pose {
  x: number;
  y: number;
  /** Radians, counter-clockwise from the x axis. */
  heading: number;
}

/**
 * Move a differential-drive robot for `seconds` at constant wheel speeds (m/s). Exact for constant speeds:
 * a straight line when both sides match, otherwise an arc around the instantaneous centre.
 */
export function integratePose(pose: Pose, left: number, right: number, seconds: number): Pose {
  const v = (left + right) / 2;
  const w = (right - left) / WHEEL_BASE;
  if (Math.abs(w) < 1e-9) {
    return { x: pose.x + v * seconds * Math.cos(pose.heading), y: pose.y + v * seconds * Math.sin(pose.heading), heading: pose.heading };
  }
  const heading = pose.heading + w * seconds;
  const r = v / w;
  return {
    x: pose.x + r * (Math.sin(heading) - Math.sin(pose.heading)),
    y: pose.y - r * (Math.cos(heading) - Math.cos(pose.heading)),
    heading: normaliseAngle(heading),
  };
}

function normaliseAngle(a: number): number {
  const turn = 2 * Math.PI;
  const r = ((a % turn) + turn) % turn;
  return r > Math.PI ? r - turn : r;
}

/** A software robot: pose from wheel speeds over time, pan/tilt within the configured limits, an LED. */
export function createSimDriver(hw: Config["hardware"], options: SimOptions = {}): HardwareDriver & { readonly raw: readonly string[] } {
  const now = options.now ?? (() => performance.now());
  const life = new DriverLife("sim");
  const state = new BodyState(hw);
  let pose: Pose = { x: 0, y: 0, heading: 0 };
  let since = now();
  const raw: string[] = [];

  const advance = () => {
    const t = now();
    const seconds = Math.max(0, (t - since) / 1000);
    since = t;
    if (seconds > 0 && state.moving) pose = integratePose(pose, state.left * TOP_SPEED, state.right * TOP_SPEED, seconds);
  };

  return {
    name: "sim",
    raw,
    async open() {
      life.isOpen();
      life.markOpen();
      since = now();
      options.log?.debug("sim driver ready");
    },
    async apply(action: Action) {
      life.check(`apply ${action.kind}`);
      advance();
      const sw = state.record(action);
      if (action.kind === "raw" && !sw) {
        raw.push(action.command);
        options.log?.debug(`sim: raw command ${action.command}`);
      }
    },
    async stop() {
      advance();
      state.halt();
    },
    state(): DriverState {
      advance();
      return { ...state.snapshot("sim", life.live), pose: { ...pose } };
    },
    async close() {
      advance();
      state.halt();
      life.close();
    },
  };
}
