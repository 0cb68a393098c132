import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HardwareError } from "../../lib/errors.ts";
import { parsePortSpec, selectPort } from "../../lib/hardware/port-select.ts";
import { portUsers } from "../../lib/hardware/port-users.ts";
import type { SerialPortInfo } from "../../lib/hardware/ports.ts";

const uno: SerialPortInfo = { path: "/dev/ttyACM0", vendorId: "2341", productId: "0043", product: "Arduino Uno" };
const ch340: SerialPortInfo = { path: "/dev/ttyUSB0", vendorId: "1a86", productId: "7523", product: "USB Serial" };
const gps: SerialPortInfo = { path: "/dev/ttyUSB1", vendorId: "1546", productId: "01a7", product: "u-blox GNSS" };
const uart: SerialPortInfo = { path: "/dev/ttyAMA0" };

function errorOf(fn: () => unknown): HardwareError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HardwareError) return error;
    throw error;
  }
  throw new Error("expected a HardwareError");
}

describe("port specs", () => {
  const cases: [string, ReturnType<typeof parsePortSpec>][] = [
    ["auto", { kind: "auto" }],
    ["", { kind: "auto" }],
    ["/dev/ttyACM0", { kind: "path", path: "/dev/ttyACM0" }],
    ["usb:2341:0043", { kind: "usb", vendorId: "2341", productId: "0043" }],
    ["USB:1A86:7523", { kind: "usb", vendorId: "1a86", productId: "7523" }],
    ["usb:1A86:7523", { kind: "usb", vendorId: "1a86", productId: "7523" }],
  ];
  for (const [text, spec] of cases) test(JSON.stringify(text), () => expect(parsePortSpec(text)).toEqual(spec));

  test("a malformed usb: spec is an error with an example", () => {
    const error = errorOf(() => parsePortSpec("usb:2341"));
    expect(error.message).toContain("usb:VID:PID");
    expect(error.hint).toContain("usb:2341:0043");
  });
});

describe("selectPort", () => {
  const ok: [string, string, SerialPortInfo[], string][] = [
    ["a path is used as given", "/dev/ttyS9", [], "/dev/ttyS9"],
    ["auto picks the one Arduino-like device", "auto", [uart, gps, uno], "/dev/ttyACM0"],
    ["auto accepts clone chips", "auto", [ch340, gps], "/dev/ttyUSB0"],
    ["usb picks by vendor and product", "usb:1546:01a7", [uno, gps], "/dev/ttyUSB1"],
  ];
  for (const [name, spec, ports, path] of ok) test(name, () => expect(selectPort(parsePortSpec(spec), ports)).toBe(path));

  test("auto with no Arduino lists the ports there are", () => {
    const error = errorOf(() => selectPort({ kind: "auto" }, [gps, uart]));
    expect(error.message).toContain("no Arduino-like USB device");
    expect(error.message).toContain("/dev/ttyUSB1 (usb:1546:01a7 u-blox GNSS)");
    expect(error.message).toContain("/dev/ttyAMA0");
    expect(error.hint).toContain("--port");
  });

  test("auto with nothing plugged in says so", () => {
    expect(errorOf(() => selectPort({ kind: "auto" }, [])).message).toContain("no serial ports found");
  });

  test("auto with two Arduinos names both and asks to choose", () => {
    const error = errorOf(() => selectPort({ kind: "auto" }, [uno, ch340]));
    expect(error.message).toContain("2 Arduino-like USB devices found");
    expect(error.message).toContain("/dev/ttyACM0");
    expect(error.message).toContain("/dev/ttyUSB0");
    expect(error.hint).toContain("usb:VID:PID");
  });

  test("usb with no match names the id", () => {
    expect(errorOf(() => selectPort(parsePortSpec("usb:dead:beef"), [uno])).message).toContain("no USB device dead:beef");
  });
});

describe("portUsers", () => {
  test("finds processes holding the device through /proc, and skips ourselves", () => {
    const proc = mkdtempSync(join(tmpdir(), "letsrobot-proc-"));
    const holder = (pid: number, comm: string, targets: string[]) => {
      mkdirSync(join(proc, String(pid), "fd"), { recursive: true });
      writeFileSync(join(proc, String(pid), "comm"), `${comm}\n`);
      targets.forEach((t, i) => symlinkSync(t, join(proc, String(pid), "fd", String(i))));
    };
    holder(100, "screen", ["/dev/null", "/dev/ttyACM0"]);
    holder(200, "bash", ["/dev/pts/1"]);
    holder(300, "letsrobot", ["/dev/ttyACM0"]);
    holder(400, "socat", ["/dev/ptmx", "/dev/ttyACM0"]);
    mkdirSync(join(proc, "self"));
    expect(portUsers("/dev/ttyACM0", proc, 300)).toEqual([{ pid: 100, command: "screen" }]);
    expect(portUsers("/dev/ttyUSB0", proc, 300)).toEqual([]);
  });
});
