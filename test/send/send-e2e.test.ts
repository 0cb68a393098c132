import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { waitConnected } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { type Platform, type RobotCredentials, startPlatform } from "../../lib/server/platform.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";

/** `letsrobot send` (the compiled binary) against a real `serve` platform, with a real robot socket receiving. */
let platform: Platform;
let robot: RobotCredentials;
let other: RobotCredentials;
let robotSocket: SocketChannel;
let otherSocket: SocketChannel;
const received: { command: string; key_position: string; user: string }[] = [];
const chats: string[] = [];
const chatNames: string[] = [];
const otherReceived: unknown[] = [];

async function connectRobot(credentials: RobotCredentials, onCommand: (data: never) => void): Promise<SocketChannel> {
  const channel = connectSocket({ url: platform.url, auth: { robot_key: credentials.robotKey } });
  channel.onState((state) => {
    if (state === "connect") {
      channel.emit("robot_id", credentials.robotId);
      channel.emit("identify_robot_id", credentials.robotId);
    }
  });
  channel.on("command_to_robot", onCommand as (data: unknown) => void);
  await waitConnected(channel, 5000);
  // identified once the server acknowledges an identify
  await new Promise((resolve) => channel.emit("identify_robot_id", credentials.robotId, resolve));
  return channel;
}

beforeAll(async () => {
  platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "lr-send-")), log: createLogger("silent"), limits: { commandBurst: 40, commandsPerSecond: 20 } });
  robot = await platform.ensureRobot({ name: "sendbot", owner: "olive" });
  other = await platform.ensureRobot({ name: "otherbot", owner: "oscar" });
  robotSocket = await connectRobot(robot, (data: { command: string; key_position: string; user: string }) => received.push(data));
  robotSocket.on("chat_message_with_name", (data) => {
    chats.push((data as { message: string }).message);
    chatNames.push((data as { name: string }).name);
  });
  otherSocket = await connectRobot(other, (data: never) => otherReceived.push(data));
});

afterAll(async () => {
  robotSocket?.close();
  otherSocket?.close();
  await platform?.close();
});

const flags = () => ["--server", platform.url, "--robot-id", robot.robotId];

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await Bun.sleep(10);
}

describe("letsrobot send against serve", () => {
  test("a command arrives exactly once, only at the addressed robot, with the sender's name", async () => {
    received.length = 0;
    const { code, stdout, stderr } = await runCli(["send", "F", "--user", "tester", ...flags()]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^F: acknowledged in [\d.]+ ms\n$/);
    await until(() => received.length >= 1);
    expect(received.map((r) => [r.command, r.key_position, r.user])).toEqual([["F", "", "tester"]]);
    expect(otherReceived).toEqual([]);
  });

  test("--hold delivers down then up; --repeat sends N times; --json prints one parseable result each", async () => {
    received.length = 0;
    const hold = await runCli(["send", "L", "--hold", "150", "--json", ...flags()]);
    expect(hold.code).toBe(0);
    const lines = hold.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.command, l.key_position, l.ack])).toEqual([
      ["L", "down", true],
      ["L", "up", true],
    ]);
    expect(Date.parse(lines[1].sent_at) - Date.parse(lines[0].sent_at)).toBeGreaterThanOrEqual(140);
    const repeat = await runCli(["send", "R", "--repeat", "3", "--interval", "20", "--json", ...flags()]);
    expect(repeat.code).toBe(0);
    expect(repeat.stdout.trim().split("\n")).toHaveLength(3);
    await until(() => received.length >= 5);
    expect(received.map((r) => `${r.command}${r.key_position}`)).toEqual(["Ldown", "Lup", "R", "R", "R"]);
  });

  test("a script file with waits drives the robot in order", async () => {
    received.length = 0;
    const dir = mkdtempSync(join(tmpdir(), "lr-script-"));
    writeFileSync(join(dir, "square.txt"), "# a little dance\nF\nwait 50\nhold L 80\nB\nstop\n");
    const { code, stdout } = await runCli(["send", "--script", "square.txt", "--json", ...flags()], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout.trim().split("\n").map((l) => JSON.parse(l).step)).toEqual([0, 2, 4, 5, 6]);
    await until(() => received.length >= 5);
    expect(received.map((r) => `${r.command}${r.key_position}`)).toEqual(["F", "Ldown", "Lup", "B", "stop"]);
  });

  test("chat arrives at the robot with the robot-name prefix", async () => {
    chats.length = 0;
    const { code } = await runCli(["send", "--chat", "hello from the shell", "--user", "tester", ...flags()]);
    expect(code).toBe(0);
    await until(() => chats.length >= 1);
    expect(chats).toEqual(["[sendbot] hello from the shell"]);
  });
});

describe("owner, stdin and watch", () => {
  test("--as-owner sends a dot-command as the owner", async () => {
    chats.length = 0;
    chatNames.length = 0;
    const env = cleanEnv({ LETSROBOT_PLATFORM_OWNER_TOKEN: robot.ownerToken });
    const { code } = await runCli(["send", "--chat", ".table on", "--as-owner", ...flags()], { env });
    expect(code).toBe(0);
    await until(() => chats.length >= 1);
    expect(chats).toEqual(["[sendbot] .table on"]);
    expect(chatNames).toEqual(["olive"]);
    const refused = await runCli(["send", "--chat", "x", "--as-owner", ...flags()]);
    expect(refused.code).toBe(10);
    expect(refused.stderr).toContain("owner token");
  });

  test("a script on stdin", async () => {
    received.length = 0;
    const { code } = await runCli(["send", "--script", "-", ...flags()], { stdin: "B\nwait 10\nstop\n" });
    expect(code).toBe(0);
    await until(() => received.length >= 2);
    expect(received.map((r) => r.command)).toEqual(["B", "stop"]);
  });

  test("watch prints what the robot receives", async () => {
    const { binary } = await import("../helpers/cli.ts");
    const watcher = Bun.spawn([binary, "watch", "--count", "2", "--json", ...flags()], { env: cleanEnv({ LETSROBOT_PLATFORM_ROBOT_KEY: robot.robotKey }), stdout: "pipe", stderr: "pipe" });
    const stderr = watcher.stderr.getReader();
    let text = "";
    while (!text.includes("watching robot")) {
      const { value, done } = await stderr.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await runCli(["send", "U", ...flags()]);
    await runCli(["send", "--chat", "psst", ...flags()]);
    const timer = setTimeout(() => watcher.kill(), 5000);
    const out = await new Response(watcher.stdout).text();
    clearTimeout(timer);
    expect(await watcher.exited).toBe(0);
    const events = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(events.map((e) => e.event)).toEqual(["command_to_robot", "chat_message_with_name"]);
    expect(events[0].data.command).toBe("U");
  });
});

test("--server takes the viewer page run and serve print (http://HOST:PORT/robot/ID): no --robot-id needed", async () => {
  const before = received.length;
  const { code, stdout } = await runCli(["send", "R", "--server", `${platform.url}/robot/${robot.robotId}`]);
  expect(code).toBe(0);
  expect(stdout).toContain("R: acknowledged");
  await until(() => received.length > before);
  expect(received.at(-1)?.command).toBe("R");
});

test("a command to a robot that is not connected exits 22 saying to start the robot", async () => {
  const idle = await platform.ensureRobot({ name: "idlebot", owner: "olive" });
  const { code, stderr } = await runCli(["send", "F", "--server", platform.url, "--robot-id", idle.robotId]);
  expect(code).toBe(22);
  expect(stderr).toContain("idlebot is not connected");
  expect(stderr).toContain("start the robot");
});

describe("watch without the robot's key", () => {
  test.each([
    ["no key", {}, "key_required"],
    ["a wrong key", { LETSROBOT_PLATFORM_ROBOT_KEY: "not-the-key" }, "bad_key: wrong robot key"],
  ])("%s: exits 11 naming the refusal and where the key is, instead of watching nothing", async (_, env, refusal) => {
    const { code, stderr } = await runCli(["watch", "--count", "1", ...flags()], { env: cleanEnv(env as Record<string, string>), timeoutMs: 10000 });
    expect(code).toBe(11);
    expect(stderr).toContain(`the server refused watch as robot ${robot.robotId}`);
    expect(stderr).toContain(refusal);
    expect(stderr).toContain("platform.robot_key");
    expect(stderr).not.toContain("watching robot");
  });
});

describe("bad input has a clear error and a distinct exit code", () => {
  test("empty command → 2", async () => {
    const { code, stderr } = await runCli(["send", "", ...flags()]);
    expect(code).toBe(2);
    expect(stderr).toContain("empty command");
  });

  test("unknown robot → 24", async () => {
    const { code, stderr } = await runCli(["send", "F", "--server", platform.url, "--robot-id", "99999999"]);
    expect(code).toBe(24);
    expect(stderr).toContain("99999999");
    expect(stderr).not.toMatch(/\s+at \S+ \(/);
  });

  test("server down → 20, naming host and port", async () => {
    const down = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "lr-down-")), log: createLogger("silent") });
    const url = down.url;
    await down.close();
    const { code, stderr } = await runCli(["send", "F", "--server", url, "--robot-id", robot.robotId], { env: cleanEnv({ LETSROBOT_PLATFORM_RETRIES: "0" }) });
    expect(code).toBe(20);
    expect(stderr).toContain(new URL(url).host);
  });

  test("rate-limited → 23, after the allowed burst went through", async () => {
    received.length = 0;
    const { code, stdout, stderr } = await runCli(["send", "F", "--repeat", "60", "--json", ...flags()]);
    expect(code).toBe(23);
    expect(stderr).toContain("too many commands");
    const results = stdout.trim().split("\n").map((l) => JSON.parse(l));
    // the refused command's own result line, then the error as one JSON object (exit code included)
    expect(results.at(-2).error).toBe("rate_limited");
    expect(results.at(-1)).toMatchObject({ exit_code: 23, error: expect.stringContaining("too many commands") });
    expect(results.filter((r) => !r.error).length).toBeGreaterThanOrEqual(20);
  });
});
