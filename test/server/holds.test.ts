import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { connect, emitAck, startTestPlatform, tempDataDir, until } from "./helpers.ts";

/** Held buttons at the server: a viewer that vanishes mid-hold lets go (the refresh budget is in guard.test.ts). */
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
