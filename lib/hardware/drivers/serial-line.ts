import type { Config } from "../../config/schema.ts";
import { HardwareError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { HardwareDriver } from "../driver.ts";

export function createSerialLineDriver(_hw: Config["hardware"], _deps: { log: Logger }): HardwareDriver {
  throw new HardwareError("the serial-line driver is not built yet", 'use hardware.driver = "sim" for now');
}
