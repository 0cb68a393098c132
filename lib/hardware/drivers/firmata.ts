import type { Config } from "../../config/schema.ts";
import { HardwareError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { HardwareDriver } from "../driver.ts";

export function createFirmataDriver(_hw: Config["hardware"], _deps: { log: Logger }): HardwareDriver {
  throw new HardwareError("the firmata driver is not built yet", 'use hardware.driver = "sim" for now');
}
