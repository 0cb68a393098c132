import { HardwareError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { Action, DriverState, HardwareDriver } from "../driver.ts";

/** No body at all (a camera-only robot): accepts every action and does nothing. */
export function createNoneDriver(options: { log?: Logger } = {}): HardwareDriver {
  let open = false;
  let closed = false;
  return {
    name: "none",
    async open() {
      if (closed) throw new HardwareError("the none driver was closed and cannot be reopened", "create a new driver");
      open = true;
    },
    async apply(action: Action) {
      if (closed) throw new HardwareError(`cannot apply ${action.kind}: the driver is closed`, "open a new driver");
      if (!open) throw new HardwareError(`cannot apply ${action.kind}: the driver is not open yet`, "call open() first");
      options.log?.debug(`hardware.driver = none: ignoring ${action.kind}`);
    },
    async stop() {},
    state(): DriverState {
      return { driver: "none", connected: open && !closed, moving: false, left: 0, right: 0 };
    },
    async close() {
      closed = true;
      open = false;
    },
  };
}
