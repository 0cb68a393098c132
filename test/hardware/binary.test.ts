import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.ts";
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
    expect(stopped.t - moving.t).toBeGreaterThan(300); // the pulse was held (drive_ms = 500), not cut short
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

  test("a port that does not exist exits 30 with the port named and a hint, no stack trace", async () => {
    const { code, stderr } = await runCli(["hw", "drive", "F", "--driver", "firmata", "--port", "/dev/ttyACM99"]);
    expect(code).toBe(30);
    expect(stderr).toContain("cannot open /dev/ttyACM99: no such port");
    expect(stderr).toContain("hint:");
    expect(stderr).not.toMatch(/\s+at \S+ \(/);
  });
});
