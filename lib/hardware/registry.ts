import type { Config } from "../config/schema.ts";
import { HardwareError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { HardwareDriver } from "./driver.ts";
import { withPreset } from "./presets.ts";

/**
 * Build the driver named by config.hardware.driver without opening it. Each driver is imported with a
 * literal `import()` so commands that never touch hardware never load johnny-five or serial code, and so
 * `bun build --compile` still bundles them.
 */
async function createDriver(config: Config, deps: { log: Logger }): Promise<HardwareDriver> {
  const name = config.hardware.driver;
  const hw = withPreset(config.hardware);
  switch (name) {
    case "sim":
      return (await import("./drivers/sim.ts")).createSimDriver(hw, { log: deps.log });
    case "none":
      return (await import("./drivers/none.ts")).createNoneDriver({ log: deps.log });
    case "firmata":
      return (await import("./drivers/firmata.ts")).createFirmataDriver(hw, { log: deps.log });
    case "serial":
      return (await import("./drivers/serial-line.ts")).createSerialLineDriver(hw, { log: deps.log });
    default:
      throw new HardwareError(`unknown hardware driver "${String(name)}"`, 'set hardware.driver to one of "sim", "firmata", "serial", "none"');
  }
}

/** Build and open the configured driver; the caller closes it (which stops the motors). */
export async function openDriver(config: Config, deps: { log: Logger }): Promise<HardwareDriver> {
  const driver = await createDriver(config, deps);
  try {
    await driver.open();
  } catch (error) {
    await driver.close().catch(() => {});
    throw error;
  }
  return driver;
}
