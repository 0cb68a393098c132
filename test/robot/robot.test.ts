import { afterEach, describe, expect, test } from "bun:test";
import { chat, command, connectRobot, until } from "./harness.ts";
import { startRobotServer } from "./robot-server.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bringUp(version: 2 | 4) {
  const server = await startRobotServer({ version });
  cleanups.push(() => server.stop());
  const robot = await connectRobot(server);
  cleanups.push(() => robot.robot.stop());
  return { server, ...robot };
}

describe.each([4, 2] as const)("robot against a real socket.io %p.x server", (version) => {
  test("identifies with its key, obeys commands, speaks chat, reports truthful video status", async () => {
    const { server, driver, said, events } = await bringUp(version);
    expect(server.received.find((r) => r.event === "robot_id")).toMatchObject({ data: "100", key: "sekrit-key" });
    server.send("control", "command_to_robot", command("F", "eve", "down"));
    await driver.waitFor((c) => c.call === "apply" && c.action?.kind === "drive");
    expect(driver.moving).toBe(true);
    const from = driver.calls.length;
    server.send("control", "command_to_robot", command("F", "eve", "up"));
    await driver.waitFor((c) => c.call === "stop", 2000, from);
    server.send("control", "command_to_robot", { ...command("F", "x"), robot_id: "999" });
    server.send("chat", "chat_message_with_name", chat("hello robot", "eve"));
    await until(() => said.length === 1);
    expect(said).toEqual(["hello robot"]);
    await server.waitFor((r) => r.event === "send_video_status");
    expect(server.received.find((r) => r.event === "send_video_status")?.data).toEqual({ send_video_process_exists: false, ffmpeg_process_exists: false, camera_id: "100" });
    expect(events.filter((e) => e.type === "command" && e.command === "F")).toHaveLength(2);
  });

  test("owner commands work, a non-owner's are refused", async () => {
    const { server, driver, events } = await bringUp(version);
    server.send("chat", "chat_message_with_name", chat(".table on", "eve"));
    server.send("chat", "chat_message_with_name", chat(".table on", "alice"));
    await until(() => events.filter((e) => e.type === "chat_command").length === 2);
    const replies = events.filter((e) => e.type === "chat_command");
    expect(replies[0]).toMatchObject({ user: "eve", refused: true });
    expect(replies[1]).toMatchObject({ user: "alice", refused: false, reply: "table mode on" });
    server.send("control", "command_to_robot", command("F", "eve"));
    server.send("control", "command_to_robot", command("L", "eve"));
    await driver.waitFor((c) => c.call === "apply" && c.action?.kind === "drive");
    expect(events.find((e) => e.type === "command" && e.command === "F")).toMatchObject({ accepted: false, reason: "table mode blocks forward/back" });
    expect(driver.calls.filter((c) => c.call === "apply")).toEqual([expect.objectContaining({ action: { kind: "drive", left: -1, right: 1 } })]);
  });

  test("server restart: the robot re-identifies and commands flow again", async () => {
    const { server, driver } = await bringUp(version);
    await server.stop();
    const seen = server.received.length;
    await server.start();
    const restarted = performance.now();
    await server.waitFor((r) => r.event === "robot_id", 8000, seen);
    const from = driver.calls.length;
    server.send("control", "command_to_robot", command("R", "eve"));
    await driver.waitFor((c) => c.call === "apply", 2000, from);
    const ms = performance.now() - restarted;
    console.log(`socket.io ${version}.x: server listening again → command at the driver in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(8000);
  });
});
