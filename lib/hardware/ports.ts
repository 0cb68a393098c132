import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Serial ports from sysfs with their USB identity; no native addon needed. */
export interface SerialPortInfo {
  path: string;
  /** Stable names that point at this port: the Pi's /dev/serial0 (GPIO UART) and /dev/serial1. */
  links?: string[];
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

/**
 * The names node-serialport lists on Linux: USB (ttyACM, ttyUSB, ttyWCH, ttyXRUSB), on-board UARTs (ttyS, ttyAMA
 * on a Pi's GPIO header, ttyO, ttyMFD) and Bluetooth serial (rfcomm).
 */
const SERIAL_NAME = /^(tty(S|ACM|USB|AMA|MFD|O|WCH|XRUSB)\d+|rfcomm\d+)$/;

/** The Pi's aliases for its UARTs (/dev/serial0 = the GPIO header), as names of the tty they point at. */
function piLinks(devRoot: string): Map<string, string[]> {
  const links = new Map<string, string[]>();
  for (const name of ["serial0", "serial1"]) {
    try {
      const target = basename(readlinkSync(join(devRoot, name)));
      links.set(target, [...(links.get(target) ?? []), join(devRoot, name)]);
    } catch {
      // no such link: not a Pi, or that UART is off
    }
  }
  return links;
}

export function listSerialPorts(sysRoot = "/sys", devRoot = "/dev"): SerialPortInfo[] {
  const dir = join(sysRoot, "class/tty");
  if (!existsSync(dir)) return [];
  const links = piLinks(devRoot);
  return readdirSync(dir)
    .filter((name) => SERIAL_NAME.test(name))
    .flatMap((name): SerialPortInfo[] => {
      const at = { path: join(devRoot, name), ...(links.has(name) ? { links: links.get(name) } : {}) };
      if (name.startsWith("rfcomm")) return [at]; // bound Bluetooth serial: a virtual device, no parent
      const device = join(dir, name, "device");
      let real: string;
      try {
        real = realpathSync(device);
      } catch {
        return [];
      }
      const usb = usbDevice(real);
      // the 8250 driver registers 32 ttyS ports whether or not a UART is there; a phantom one has type 0 (unknown)
      if (!usb && name.startsWith("ttyS") && (read(join(dir, name, "type")) ?? "0") === "0") return [];
      return [
        {
          ...at,
          vendorId: usb ? read(join(usb, "idVendor")) : undefined,
          productId: usb ? read(join(usb, "idProduct")) : undefined,
          manufacturer: usb ? read(join(usb, "manufacturer")) : undefined,
          product: usb ? read(join(usb, "product")) : undefined,
          serial: usb ? read(join(usb, "serial")) : undefined,
        },
      ];
    })
    .sort((a, b) => a.path.localeCompare(b.path, "en", { numeric: true }));
}

/** USB vendor ids of Arduino boards and the USB-serial chips clones use. */
const arduinoVendors = new Set(["2341", "2a03", "1a86", "0403", "10c4", "1b4f", "239a"]);

export function isArduinoLike(port: SerialPortInfo): boolean {
  return port.vendorId !== undefined && arduinoVendors.has(port.vendorId.toLowerCase());
}
