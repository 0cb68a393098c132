import { afterEach, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { LetsrobotError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { waitConnected } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { startPlatform } from "../../lib/server/platform.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { runInProcess, until } from "./harness.ts";
import { startRobotServer } from "./robot-server.ts";
import { repoRoot } from "./run-process.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** runRobot in this process, its JSON events collected; stop() aborts it like Ctrl-C. */
function startSession(layer: Record<string, Record<string, unknown>>, crashSource?: EventEmitter) {
  const run = runInProcess(layer, { crashSource });
  const stop = () => run.stop().catch(() => {});
  cleanups.push(stop);
  return { ...run, stop };
}

describe("run against a separate `letsrobot serve` platform", () => {
  test("probes socket.io 4, identifies with the robot key, obeys the owner's viewer socket", async () => {
    const platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "letsrobot-serve-")), log: createLogger("silent") });
    cleanups.push(() => platform.close());
    const robot = await platform.ensureRobot({ name: "rover", owner: "alice" });
    const session = startSession({ platform: { server: platform.url, robot_id: robot.robotId, camera_id: robot.cameraId, robot_key: robot.robotKey } });
    await until(() => session.of("link").filter((e) => e.state === "connected").length === 3, 10_000, "sockets up");
    await until(() => platform.status().robots.some((r: { online?: boolean }) => r.online === true), 5000, "robot online at the platform");
    const viewer = connectSocket({ url: platform.url, auth: { token: robot.ownerToken } });
    cleanups.push(() => viewer.close());
    await waitConnected(viewer, 5000);
    const ack = await new Promise((resolve) => viewer.emit("command_to_robot", { robot_id: robot.robotId, command: "F", key_position: "" }, resolve));
    expect(ack).toMatchObject({ ok: true });
    await until(() => session.of("command").some((e) => e.command === "F" && e.accepted === true), 5000, "command at the robot");
    await new Promise((resolve) => viewer.emit("chat_message", { robot_id: robot.robotId, message: ".table on" }, resolve));
    await until(() => session.of("chat_command").some((e) => e.user === "alice" && e.refused === false), 5000, "owner command");
    await session.stop();
    expect(session.of("stop").some((e) => e.reason === "shutdown")).toBe(true);
  }, 20_000);
});

describe("run against a socket.io 2.x server", () => {
  test("socket_version = auto picks the 2.x client; commands flow", async () => {
    const server = await startRobotServer({ version: 2 });
    cleanups.push(() => server.stop());
    const session = startSession({ platform: { server: server.url, robot_id: "100", socket_version: "auto" } });
    await server.waitFor((r) => r.event === "robot_id", 10_000);
    server.send("control", "command_to_robot", { robot_id: "100", command: "R", user: "eve" });
    await until(() => session.of("command").some((e) => e.command === "R" && e.accepted === true), 5000, "command at the robot");
  });
});

describe("crash path", () => {
  test("an uncaught error stops the motors, shuts down in order and fails with a hint", async () => {
    const server = await startRobotServer({ version: 4 });
    cleanups.push(() => server.stop());
    const crashes = new EventEmitter();
    const session = startSession({ platform: { server: server.url, robot_id: "100" } }, crashes);
    await server.waitFor((r) => r.event === "robot_id", 10_000);
    server.send("control", "command_to_robot", { robot_id: "100", command: "F", user: "eve", key_position: "down" });
    await until(() => session.of("command").length === 1, 5000, "command");
    crashes.emit("uncaughtException", new Error("boom"));
    const error = await session.done.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(LetsrobotError);
    expect((error as LetsrobotError).message).toContain("boom");
    expect((error as LetsrobotError).hint).toContain("--verbose");
    expect(session.of("stop")[0]).toMatchObject({ reason: "crash" });
    expect(crashes.listenerCount("uncaughtException")).toBe(0);
  });
});

async function cli(args: string[], env: Record<string, string>) {
  const child = Bun.spawn(["bun", join(repoRoot, "cli/main.ts"), ...args], { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

describe("user mistakes: clear error, hint, exit code, no stack trace", () => {
  test.each([
    [["run", "--server", "http://127.0.0.1:1", "--robot-id", "5"], 20, /connection refused/, /hint:/],
    [["run", "--server", "http://127.0.0.1:1"], 10, /no robot id configured/, /--robot-id/],
    [["run", "--server", "ftp://x", "--robot-id", "5"], 10, /must be http:\/\/ or https:\/\//, /hint:/],
    [["run", "--status-port", "99999"], 10, /behaviour.status_port/, /0 to 65535/],
  ])("letsrobot %p → exit %p", async (args, code, message, hint) => {
    const result = await cli(args as string[], cleanEnv({ LETSROBOT_PLATFORM_RETRIES: "0" }));
    expect(result.code).toBe(code as number);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stderr).toMatch(hint as RegExp);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("embedded platform", () => {
  test("a busy server.port falls back to a free port, with a warning", async () => {
    const { startEmbedded } = await import("../../lib/letsrobot/embedded.ts");
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const busy = (blocker.address() as { port: number }).port;
    const warnings: string[] = [];
    const log = createLogger("silent");
    log.warn = ((message: string) => void warnings.push(message)) as typeof log.warn;
    const config = merge(defaults(), { server: { host: "127.0.0.1", port: busy, data_dir: mkdtempSync(join(tmpdir(), "letsrobot-emb-")) } });
    const embedded = await startEmbedded(config, { log, env: {} });
    cleanups.push(() => embedded.close());
    expect(embedded.platform.port).not.toBe(busy);
    expect(warnings.join("\n")).toContain(`port ${busy} is busy`);
    expect(embedded.config.platform).toMatchObject({ server: embedded.platform.url, robot_id: embedded.robot.robotId, socket_version: "4" });
    expect(embedded.viewerUrl).toBe(`${embedded.platform.url}/robot/${embedded.robot.robotId}`);
  });
});
