import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listSerialPorts } from "../../lib/hardware/ports.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";

/** A Raspberry Pi's sysfs and /dev: a USB Arduino, the GPIO UART behind /dev/serial0, Bluetooth, 32 8250 ports. */
function piTree(): { sys: string; dev: string } {
  const root = mkdtempSync(join(tmpdir(), "letsrobot-pi-ports-"));
  const sys = join(root, "sys");
  const dev = join(root, "dev");
  mkdirSync(dev, { recursive: true });
  const tty = (name: string, device?: string, type?: string) => {
    mkdirSync(join(sys, "class/tty", name), { recursive: true });
    if (device) {
      mkdirSync(join(sys, device), { recursive: true });
      symlinkSync(join(sys, device), join(sys, "class/tty", name, "device"));
    }
    if (type !== undefined) writeFileSync(join(sys, "class/tty", name, "type"), `${type}\n`);
    writeFileSync(join(dev, name), "");
  };
  const usb = "devices/platform/scb/fd500000.pcie/usb1/1-1/1-1.3";
  tty("ttyACM0", `${usb}/1-1.3:1.0`);
  for (const [k, v] of Object.entries({ idVendor: "2341", idProduct: "0043", product: "Arduino Uno" })) writeFileSync(join(sys, usb, k), `${v}\n`);
  tty("ttyS0", "devices/platform/soc/fe215040.serial", "4"); // the mini UART on the GPIO header (a Pi 3/4 with Bluetooth)
  for (let i = 1; i < 32; i++) tty(`ttyS${i}`, "devices/platform/serial8250", "0"); // phantom 8250 ports
  tty("ttyAMA0", "devices/platform/soc/fe201000.serial"); // PL011, wired to Bluetooth here
  tty("rfcomm0"); // a bound Bluetooth serial board: virtual, no device link
  tty("ttyMFD1", "devices/pci0000:00/0000:00:04.2");
  tty("ttyO2", "devices/platform/ocp/48024000.serial");
  for (const name of ["tty0", "tty63", "console", "ptmx", "ttyprintk"]) tty(name);
  symlinkSync("ttyS0", join(dev, "serial0"));
  symlinkSync("ttyAMA0", join(dev, "serial1"));
  return { sys, dev };
}

describe("serial ports as node-serialport lists them on Linux", () => {
  test("GPIO UART with its serial0 link, Bluetooth rfcomm, ttyO/ttyMFD; no phantom ttyS, no consoles", () => {
    const { sys, dev } = piTree();
    const ports = listSerialPorts(sys, dev);
    expect(ports.map((p) => [p.path.slice(dev.length + 1), p.links?.map((l) => l.slice(dev.length + 1)) ?? []])).toEqual([
      ["rfcomm0", []],
      ["ttyACM0", []],
      ["ttyAMA0", ["serial1"]],
      ["ttyMFD1", []],
      ["ttyO2", []],
      ["ttyS0", ["serial0"]],
    ]);
    expect(ports.find((p) => p.path.endsWith("ttyACM0"))).toMatchObject({ vendorId: "2341", productId: "0043", product: "Arduino Uno" });
  });

  test("hw list (compiled binary) shows /dev/serial0 next to the port it names", async () => {
    const { sys, dev } = piTree();
    const { code, stdout } = await runCli(["hw", "list"], { env: cleanEnv({ LETSROBOT_SYS_ROOT: sys, LETSROBOT_DEV_ROOT: dev }) });
    expect(code).toBe(0);
    expect(stdout).toContain(`${dev}/ttyS0 = ${dev}/serial0`);
    expect(stdout).toContain(`${dev}/rfcomm0`);
    expect(stdout).not.toContain("ttyS1 ");
  });
});
