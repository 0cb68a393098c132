import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import { robotHealth } from "../../lib/robot/health.ts";
import type { LinkStatus } from "../../lib/robot/link-status.ts";
import { startPlatform } from "../../lib/server/platform.ts";
import { runInProcess, until } from "./harness.ts";
import { freePort } from "./run-process.ts";

const link = (name: LinkStatus["name"], state: LinkStatus["state"], refused?: string): LinkStatus => ({ name, state, connects: 1, failures: 0, acks: true, ...(refused ? { refused } : {}) });

describe("robot health (pure)", () => {
  test.each([
    ["all up, video running", [link("control", "connected"), link("chat", "connected")], true, true, []],
    ["video off by config", [link("control", "connected")], false, false, []],
    ["refused key on control", [link("control", "refused", "bad_key: wrong robot key")], false, false, ["the server refused the robot on the control socket (bad_key: wrong robot key): check platform.robot_key"]],
    ["refused key on chat only", [link("control", "connected"), link("chat", "refused", "key_required: this robot requires its robot key")], false, false, ["the server refused the robot on the chat socket (key_required: this robot requires its robot key): check platform.robot_key"]],
    ["no control socket", [link("control", "down")], false, false, ["no control socket (down)"]],
    ["Remo socket connecting", [link("remo", "connecting")], false, false, ["no remo socket (connecting)"]],
    ["no video", [link("control", "connected")], true, false, ["no video: the video stream is not running"]],
  ] as const)("%s", (_name, links, video, running, problems) => {
    const health = robotHealth({ links: [...links], video: { running } }, { video });
    expect(health).toEqual({ healthy: problems.length === 0, problems: [...problems] });
  });
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real unix datagram socket standing in for systemd's NOTIFY_SOCKET; what it got so far. */
async function notifyReceiver(): Promise<{ path: string; got: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-notify-"));
  const path = join(dir, "notify");
  const out = join(dir, "got");
  const receiver = Bun.spawn(["sh", "-c", `exec socat -u UNIX-RECV:${path} - > ${out}`], { stdout: "ignore", stderr: "ignore" });
  cleanups.push(async () => {
    receiver.kill();
    await receiver.exited;
  });
  const got = () => {
    try {
      return readFileSync(out, "utf8");
    } catch {
      return "";
    }
  };
  await until(() => {
    try {
      readFileSync(path);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== "ENOENT";
    }
  }, 5000, "socat listening");
  return { path, got };
}

/** `run` in this process against a `serve` platform, with a status port and a systemd watchdog of 600 ms. */
async function runWithKey(key: (real: string) => string) {
  const platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "letsrobot-serve-")), log: createLogger("silent") });
  cleanups.push(() => platform.close());
  const robot = await platform.ensureRobot({ name: "rover", owner: "alice" });
  const notify = await notifyReceiver();
  const statusPort = await freePort();
  const run = runInProcess(
    {
      platform: { server: platform.url, robot_id: robot.robotId, camera_id: robot.cameraId, robot_key: key(robot.robotKey) },
      behaviour: { status_port: statusPort, liveness_s: 3 },
    },
    { env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: "600000" } },
  );
  cleanups.push(() => run.stop().catch(() => {}));
  const status = async () => {
    const response = await fetch(`http://127.0.0.1:${statusPort}/status`);
    return { code: response.status, body: (await response.json()) as { healthy: boolean; problems: string[]; links: LinkStatus[] } };
  };
  return { events: run.events, status, notify };
}

describe("a robot whose key the server refuses is unhealthy", () => {
  test("status endpoint 503 naming the refusal, a health event, the systemd watchdog not fed", async () => {
    const robot = await runWithKey(() => "not-the-key");
    await until(() => robot.events.some((e) => e.type === "link" && e.link === "control" && e.state === "refused"), 10_000, "control refused");
    await until(() => robot.notify.got().includes("READY=1"), 5000, "READY=1");
    await Bun.sleep(1500); // five watchdog intervals (300 ms each)
    const { code, body } = await robot.status();
    expect(code).toBe(503);
    expect(body.healthy).toBe(false);
    expect(body.problems.join("\n")).toContain("the server refused the robot on the control socket (bad_key: wrong robot key)");
    expect(body.links.find((l) => l.name === "control")?.refused).toBe("bad_key: wrong robot key");
    const health = robot.events.filter((e) => e.type === "health");
    expect(health.at(-1)).toMatchObject({ healthy: false });
    expect(String((health.at(-1)?.problems as string[]).join(" "))).toContain("bad_key");
    expect(robot.notify.got()).not.toContain("WATCHDOG=1");
  }, 20_000);

  test("the same robot with its key: 200, healthy, the watchdog fed", async () => {
    const robot = await runWithKey((real) => real);
    await until(async () => (await robot.status().catch(() => ({ code: 0 }))).code === 200, 10_000, "healthy status");
    await until(() => (robot.notify.got().match(/WATCHDOG=1/g) ?? []).length >= 2, 5000, "watchdog pings");
    const { body } = await robot.status();
    expect(body).toMatchObject({ healthy: true, problems: [] });
    expect(robot.events.filter((e) => e.type === "health" && e.healthy === false)).toEqual([]);
  }, 20_000);
});
