import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, runCli } from "../helpers/cli.ts";
import { type EmulatedBoard, type PinSnapshot, startEmulatedBoard } from "./emulated-board.ts";

/** The compiled binary (dist/letsrobot) driving StandardFirmata on the emulated Uno through its pty. */
let board: EmulatedBoard;
beforeAll(async () => {
  board = await startEmulatedBoard();
}, 30000);
afterAll(() => board?.dispose());

const epoch = () => performance.timeOrigin + performance.now();

function robotDir(toml: string): string {
  const cwd = mkdtempSync(join(tmpdir(), "letsrobot-hw-"));
  writeFileSync(join(cwd, "letsrobot.toml"), toml);
  return cwd;
}

/** The first snapshot after `since` that passes `check`, waiting for it if it has not happened yet. */
async function seen(since: number, check: (s: PinSnapshot) => boolean, what: string): Promise<PinSnapshot> {
  const past = board.history.find((s) => s.t >= since && check(s));
  return past ?? (await board.waitFor((s) => s.t >= since && check(s), 5000, what));
}

describe("compiled binary: hw drive on an emulated Arduino", () => {
  test("hw drive F: both direction pins high, PWM compare at the configured speed for the pulse, then PWM 0", async () => {
    const cwd = robotDir('[hardware]\ndriver = "firmata"\nspeed = 200\n');
    const t0 = epoch();
    const { code, stdout, stderr } = await runCli(["hw", "drive", "F", "--port", board.port], { cwd });
    expect(stderr).toContain("Firmata board ready on");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^F: drive left 1 right 1 for \d+ ms on firmata, then stop$/m);
    const moving = await seen(t0, (s) => s.duty[5] === 200 && s.duty[6] === 200, "PWM 200 on both motors");
    expect([moving.duty[4], moving.duty[7]]).toEqual([255, 255]);
    const stopped = await seen(moving.t, (s) => s.duty[5] === 0 && s.duty[6] === 0, "PWM 0 after the pulse");
    expect(board.history.indexOf(stopped)).toBeGreaterThan(board.history.indexOf(moving));
    // the pulse was held for drive_ms (500) before the stop: timers never fire early, so this cannot flake
    expect(Number(/for (\d+) ms/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(495);
  }, 30000);

  test("hw drive L: a left turn drives the sides opposite ways", async () => {
    const cwd = robotDir('[hardware]\ndriver = "firmata"\nspeed = 120\nturn_ms = 200\n');
    const t0 = epoch();
    const { code } = await runCli(["hw", "drive", "L", "--port", board.port], { cwd });
    expect(code).toBe(0);
    const turning = await seen(t0, (s) => s.duty[5] === 120 && s.duty[6] === 120, "PWM 120 on both motors");
    expect([turning.duty[4], turning.duty[7]]).toEqual([0, 255]);
    await seen(turning.t, (s) => s.duty[5] === 0 && s.duty[6] === 0, "PWM 0 after the turn");
  }, 30000);

  test("hw drive pan_left moves the pan servo's pulse to the new angle", async () => {
    const cwd = robotDir('[hardware]\ndriver = "firmata"\npan_min = 0\npan_max = 180\nservo_step = 20\n');
    const t0 = epoch();
    const { code } = await runCli(["hw", "drive", "pan_left", "--port", board.port], { cwd });
    expect(code).toBe(0);
    await seen(t0, (s) => s.servo[9] === 600 + 110 * 10, "a 1700 µs pulse on pin 9 (90° + 20°)");
  }, 30000);

  test("a port another program holds open is busy: exit 30 naming that program, and nothing moves", async () => {
    const holder = Bun.spawn(["sh", "-c", 'exec 3<>"$1"; echo held; exec sleep 30', "holder", board.port], { stdout: "pipe", stderr: "ignore" });
    try {
      const reader = (holder.stdout as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // "held"
      const { code, stderr } = await runCli(["hw", "drive", "F", "--driver", "firmata", "--port", board.port]);
      expect(code).toBe(30);
      expect(stderr).toContain(`cannot open ${board.port}: port is busy, used by sleep (pid ${holder.pid})`);
      expect(stderr).toContain("hint: close that program");
    } finally {
      holder.kill("SIGKILL");
      await holder.exited;
    }
  }, 30000);

  test("a port that does not exist exits 30 with the port named and a hint, no stack trace", async () => {
    const { code, stderr } = await runCli(["hw", "drive", "F", "--driver", "firmata", "--port", "/dev/ttyACM99"]);
    expect(code).toBe(30);
    expect(stderr).toContain("cannot open /dev/ttyACM99: no such port");
    expect(stderr).toContain("hint:");
    expect(stderr).not.toMatch(/\s+at \S+ \(/);
  });
});

/** A sysfs tree with one Arduino Uno on ttyACM0 and a plain UART, as the kernel lays it out. */
function fakeSys(): string {
  const sys = mkdtempSync(join(tmpdir(), "letsrobot-sys-"));
  const usb = join(sys, "devices/pci0000:00/usb1/1-1");
  const iface = join(usb, "1-1:1.0");
  mkdirSync(join(iface, "tty/ttyACM0"), { recursive: true });
  for (const [name, value] of Object.entries({ idVendor: "2341", idProduct: "0043", manufacturer: "Arduino (www.arduino.cc)", product: "Arduino Uno", serial: "75830333" })) {
    writeFileSync(join(usb, name), `${value}\n`);
  }
  const uart = join(sys, "devices/platform/serial0/tty/ttyAMA0");
  mkdirSync(uart, { recursive: true });
  mkdirSync(join(sys, "class/tty/ttyACM0"), { recursive: true });
  mkdirSync(join(sys, "class/tty/ttyAMA0"), { recursive: true });
  symlinkSync(iface, join(sys, "class/tty/ttyACM0/device"));
  symlinkSync(join(sys, "devices/platform/serial0"), join(sys, "class/tty/ttyAMA0/device"));
  return sys;
}

describe("compiled binary: hw list and hw test", () => {
  test("hw list shows each port with its USB id, maker, product and serial; --json marks the Arduino", async () => {
    const env = cleanEnv({ LETSROBOT_SYS_ROOT: fakeSys() });
    const text = await runCli(["hw", "list"], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\/dev\/ttyACM0\s+usb:2341:0043\s+Arduino \(www.arduino.cc\)\s+Arduino Uno\s+75830333\s+yes/);
    expect(text.stdout).toContain("/dev/ttyAMA0");
    const json = JSON.parse((await runCli(["hw", "list", "--json"], { env })).stdout);
    expect(json.ports.map((p: { path: string; arduinoLike: boolean }) => [p.path, p.arduinoLike])).toEqual([
      ["/dev/ttyACM0", true],
      ["/dev/ttyAMA0", false],
    ]);
  });

  test("hw test refuses to move anything without a terminal to ask, unless --yes", async () => {
    const refused = await runCli(["hw", "test", "--driver", "sim"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("hw test moves the motors and there is no terminal to ask");
    expect(refused.stderr).toContain("--yes");
    const ran = await runCli(["hw", "test", "--driver", "sim", "--yes"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim()).toBe("self-test done: 20 steps");
    expect(ran.stderr).toContain("1/20 left motor forward");
  }, 30000);

  test("hw test --yes on the emulated Firmata board sweeps the pan servo to both limits and ends stopped", async () => {
    const cwd = robotDir('[hardware]\ndriver = "firmata"\npan_min = 40\npan_max = 140\n');
    const t0 = epoch();
    const ran = await runCli(["hw", "test", "--yes", "--port", board.port], { cwd, timeoutMs: 30000 });
    expect(ran.code).toBe(0);
    const low = await seen(t0, (s) => s.servo[9] === 1000, "pan at 40° (1000 µs)");
    await seen(low.t, (s) => s.servo[9] === 2000, "pan at 140° (2000 µs)");
    const right = await seen(t0, (s) => (s.duty[6] ?? 0) > 0, "the right motor turning");
    expect(right.duty[6]).toBe(Math.round(0.35 * 255));
    expect(board.latest()?.duty[5]).toBe(0);
    expect(board.latest()?.duty[6]).toBe(0);
  }, 40000);
});
