import { afterEach, describe, expect, test } from "bun:test";
import { type ClassicSketch, startClassicSketch } from "../hardware/classic-sketch.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { until } from "./harness.ts";
import { freePort, type RunProcess, runWithViewer } from "./run-process.ts";

/**
 * A second Ctrl-C forces the exit without waiting for the shutdown, but the motors are stopped first: a real
 * `letsrobot run` driving a classic serial sketch on a pty pair (the sketch records every word it gets).
 */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function drivingRobot(): Promise<{ run: RunProcess; sketch: ClassicSketch }> {
  const sketch = await startClassicSketch();
  cleanups.push(() => sketch.dispose());
  const { run, robotId, viewer } = await runWithViewer(
    // the status endpoint makes the clean shutdown wait on I/O before it reaches the motors, as a slow part would
    ["--port", "0", "--json", "--status-port", String(await freePort())],
    cleanEnv({
      LETSROBOT_HARDWARE_DRIVER: "serial",
      LETSROBOT_HARDWARE_PORT: sketch.port,
      LETSROBOT_HARDWARE_DRIVE_MS: "10000", // one press drives 10 s: the interrupts come while it moves
      LETSROBOT_VIDEO_ENABLED: "false",
      LETSROBOT_AUDIO_ENABLED: "false",
      LETSROBOT_TTS_ENABLED: "false",
    }),
    "control",
    cleanups,
  );
  viewer.emit("command_to_robot", { robot_id: robotId, command: "F", key_position: "" });
  await until(() => sketch.words.includes("f"), 5000, "the sketch drives forward");
  return { run, sketch };
}

describe("a second Ctrl-C", () => {
  test("both interrupts at once, before shutdown could start: the board gets stop before the process exits (130)", async () => {
    const { run, sketch } = await drivingRobot();
    const before = sketch.words.length;
    // held stopped, the process gets both signals pending together: the second is handled before any shutdown step
    process.kill(run.pid, "SIGSTOP");
    process.kill(run.pid, "SIGINT");
    process.kill(run.pid, "SIGTERM");
    process.kill(run.pid, "SIGCONT");
    expect(await run.exited).toBe(130);
    await until(() => sketch.words.length > before, 2000, "a word after the interrupts");
    expect(sketch.words.slice(before)).toContain("stop");
    expect(sketch.body()).toMatchObject({ left: 0, right: 0 });
  }, 40_000);

  test("two SIGINTs a moment apart: stopped, exit 130", async () => {
    const { run, sketch } = await drivingRobot();
    const before = sketch.words.length;
    process.kill(run.pid, "SIGINT");
    await Bun.sleep(2);
    process.kill(run.pid, "SIGINT");
    expect(await run.exited).toBe(130);
    await until(() => sketch.words.slice(before).includes("stop"), 2000, "stop at the board");
    expect(sketch.body()).toMatchObject({ left: 0, right: 0 });
  }, 40_000);
});
