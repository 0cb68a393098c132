import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";

/** Serial ports from sysfs with their USB identity; no native addon needed. */
export interface SerialPortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Walk up from the tty's device directory to the USB device that has idVendor. */
function usbDevice(deviceDir: string): string | undefined {
  let dir = deviceDir;
  for (let i = 0; i < 6 && dir !== "/"; i++) {
    if (existsSync(join(dir, "idVendor"))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

export function listSerialPorts(sysRoot = "/sys", devRoot = "/dev"): SerialPortInfo[] {
  const dir = join(sysRoot, "class/tty");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^tty(ACM|USB|AMA|S)\d+$/.test(name))
    .flatMap((name): SerialPortInfo[] => {
      const device = join(dir, name, "device");
      if (!existsSync(device)) return [];
      let real: string;
      try {
        real = realpathSync(device);
      } catch {
        return [];
      }
      const usb = usbDevice(real);
      // plain ttySN without a USB parent are legacy UARTs; list only those that are real (have a driver)
      if (!usb && name.startsWith("ttyS")) return [];
      return [
        {
          path: join(devRoot, name),
          vendorId: usb ? read(join(usb, "idVendor")) : undefined,
          productId: usb ? read(join(usb, "idProduct")) : undefined,
          manufacturer: usb ? read(join(usb, "manufacturer")) : undefined,
          product: usb ? read(join(usb, "product")) : undefined,
          serial: usb ? read(join(usb, "serial")) : undefined,
        },
      ];
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** USB vendor ids of Arduino boards and the USB-serial chips clones use. */
const arduinoVendors = new Set(["2341", "2a03", "1a86", "0403", "10c4", "1b4f", "239a"]);

export function isArduinoLike(port: SerialPortInfo): boolean {
  return port.vendorId !== undefined && arduinoVendors.has(port.vendorId.toLowerCase());
}
