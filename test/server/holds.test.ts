import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { connect, emitAck, startTestPlatform, tempDataDir, until } from "./helpers.ts";

/** Held buttons at the server: refreshes of a hold have their own budget; a viewer that vanishes lets go. */
const data = tempDataDir();
const opened: SocketChannel[] = [];
let platform: Platform;
let robot: RobotCredentials;
const received: { command: string; key_position: string; user: string }[] = [];

beforeAll(async () => {
  platform = await startTestPlatform(data.dir);
  robot = await platform.ensureRobot({ name: "rover", owner: "olga" });
  const control = await connect(connectSocket, platform.url, { robot_key: robot.robotKey }, opened);
  control.on("command_to_robot", (d) => received.push(d as (typeof received)[number]));
  await emitAck(control, "robot_id", robot.robotId);
});

afterAll(async () => {
  for (const c of opened) c.close();
  await platform.close();
  data.remove();
});

type Ack = { ok: boolean; error?: string };
const press = (viewer: SocketChannel, command: string, key_position: string) => emitAck<Ack>(viewer, "command_to_robot", { robot_id: robot.robotId, command, key_position });

describe("holding a button at the server", () => {
  test("a 5 s hold refreshed every 150 ms is never throttled, even after a flood and while other buttons are pressed", async () => {
    const viewer = await connect(connectSocket, platform.url, { name: "vic" }, opened);
    const flood = await Promise.all(Array.from({ length: 40 }, () => press(viewer, "R", "")));
    expect(flood.filter((a) => a.error === "rate_limited").length).toBeGreaterThan(10); // floods are still throttled
    await Bun.sleep(150); // one command token back for the press
    expect(await press(viewer, "F", "down")).toMatchObject({ ok: true });
    const refreshes: Ack[] = [];
    const tilts: Ack[] = [];
    const end = performance.now() + 5000;
    while (performance.now() < end) {
      await Bun.sleep(150);
      // tilting the camera while driving: 6.7 presses/s beside 6.7 refreshes/s, 13 in all, over the 10/s budget
      const [refresh, tilt] = await Promise.all([press(viewer, "F", "down"), press(viewer, "U", "")]);
      refreshes.push(refresh);
      tilts.push(tilt);
    }
    expect(refreshes.length).toBeGreaterThanOrEqual(25);
    expect(refreshes.filter((a) => !a.ok)).toEqual([]);
    expect(tilts.filter((a) => !a.ok)).toEqual([]);
    expect(await press(viewer, "F", "up")).toMatchObject({ ok: true });
    viewer.close();
  }, 20_000);

  test("refreshes are bounded too: a flood of them is throttled", async () => {
    const viewer = await connect(connectSocket, platform.url, { name: "wes" }, opened);
    expect(await press(viewer, "F", "down")).toMatchObject({ ok: true });
    const flood = await Promise.all(Array.from({ length: 60 }, () => press(viewer, "F", "down")));
    expect(flood.filter((a) => a.error === "rate_limited").length).toBeGreaterThan(20);
    expect(await press(viewer, "F", "up")).toMatchObject({ ok: true });
    viewer.close();
  });

  test("a viewer that disconnects mid-hold releases what it held", async () => {
    const viewer = await connect(connectSocket, platform.url, { name: "xena" }, opened);
    expect(await press(viewer, "B", "down")).toMatchObject({ ok: true });
    expect(await press(viewer, "L", "")).toMatchObject({ ok: true }); // a plain press is not held
    const before = received.length;
    viewer.close();
    await until(() => received.length > before, 3000, "a release at the robot");
    await Bun.sleep(100);
    expect(received.slice(before).map((c) => [c.command, c.key_position, c.user])).toEqual([["B", "up", "xena"]]);
  });
});
