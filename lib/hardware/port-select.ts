import { HardwareError } from "../errors.ts";
import { isArduinoLike, type SerialPortInfo } from "./ports.ts";

/** How hardware.port names a port: a path, a USB vendor:product id, or auto. */
export type PortSpec = { kind: "path"; path: string } | { kind: "usb"; vendorId: string; productId: string } | { kind: "auto" };

export function parsePortSpec(text: string): PortSpec {
  const value = text.trim();
  if (value === "" || value === "auto") return { kind: "auto" };
  const usb = /^usb:([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(value);
  if (usb) return { kind: "usb", vendorId: usb[1]!.toLowerCase(), productId: usb[2]!.toLowerCase() };
  if (/^usb:/i.test(value)) {
    throw new HardwareError(`bad port "${value}": expected usb:VID:PID with 4 hex digits each`, "e.g. usb:2341:0043 (see `letsrobot hw list`)");
  }
  return { kind: "path", path: value };
}

function describePort(p: SerialPortInfo): string {
  const usb = p.vendorId ? ` (usb:${p.vendorId}:${p.productId}${p.product ? ` ${p.product}` : ""}${p.manufacturer ? `, ${p.manufacturer}` : ""})` : "";
  return `${p.path}${usb}`;
}

function listing(ports: readonly SerialPortInfo[]): string {
  return ports.length === 0 ? "no serial ports found" : `ports: ${ports.map(describePort).join("; ")}`;
}

/** The one port `spec` names among `ports`; a clear error listing what is there when none or several match. */
export function selectPort(spec: PortSpec, ports: readonly SerialPortInfo[]): string {
  if (spec.kind === "path") return spec.path;
  const matches =
    spec.kind === "usb"
      ? ports.filter((p) => p.vendorId?.toLowerCase() === spec.vendorId && p.productId?.toLowerCase() === spec.productId)
      : ports.filter(isArduinoLike);
  const what = spec.kind === "usb" ? `USB device ${spec.vendorId}:${spec.productId}` : "Arduino-like USB device";
  if (matches.length === 1) return matches[0]!.path;
  if (matches.length === 0) {
    throw new HardwareError(`no ${what} is plugged in (${listing(ports)})`, "plug the board in by USB, or name its port with --port /dev/ttyACM0 (hardware.port)");
  }
  throw new HardwareError(`${matches.length} ${what}s found: ${matches.map(describePort).join("; ")}`, "choose one with --port <path> or --port usb:VID:PID (hardware.port)");
}
