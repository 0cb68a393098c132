import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import { type Platform, type RobotCredentials, startPlatform } from "../../lib/server/platform.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";

let platform: Platform;
let robot: RobotCredentials;
beforeAll(async () => {
  platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "lr-doc-")), log: createLogger("silent") });
  robot = await platform.ensureRobot({ name: "docbot", requireKey: false }); // an old client's robot: key-less allowed
});
afterAll(() => platform.close());

type Check = { id: string; status: string; detail: string; hint?: string };
const checksOf = (stdout: string): Record<string, Check> => Object.fromEntries(JSON.parse(stdout).checks.map((c: Check) => [c.id, c]));

test("doctor against letsrobot serve: lookups and sockets pass; a key-less robot is a warning, not a failure", async () => {
  const { stdout } = await runCli(["doctor", "--json", "--server", platform.url, "--robot-id", robot.robotId, "--camera-id", robot.cameraId]);
  const checks = checksOf(stdout);
  expect(checks.lookups?.status).toBe("pass");
  expect(checks["sockets.control"]?.status).toBe("pass");
  expect(checks.identity?.status).toBe("warn");
  expect(checks.identity?.detail).toContain("no platform.robot_key");
  expect(checks.identity?.detail).toContain(`(${robot.robotId}) accepts sockets without its robot key`);
});

test("with the robot key configured only the server's own warning remains, and the key is never printed", async () => {
  const env = cleanEnv({ LETSROBOT_PLATFORM_ROBOT_KEY: robot.robotKey });
  const { stdout, stderr } = await runCli(["doctor", "--json", "--server", platform.url, "--robot-id", robot.robotId, "--camera-id", robot.cameraId], { env });
  const identity = checksOf(stdout).identity;
  expect(identity?.detail).not.toContain("no platform.robot_key");
  expect(stdout + stderr).not.toContain(robot.robotKey);
});

test("a wrong robot key: doctor identifies as the robot, names the refusal and exits 3", async () => {
  const env = cleanEnv({ LETSROBOT_PLATFORM_ROBOT_KEY: "not-the-key" });
  const { code, stdout } = await runCli(["doctor", "--json", "--server", platform.url, "--robot-id", robot.robotId, "--camera-id", robot.cameraId], { env });
  const identity = checksOf(stdout).identity;
  expect(identity?.status).toBe("fail");
  expect(identity?.detail).toBe(`the control server refused robot ${robot.robotId}: bad_key: wrong robot key`);
  expect(identity?.hint).toContain("platform.robot_key");
  expect(code).toBe(3);
});

test("a robot that requires its key, without one: the refusal is named", async () => {
  const strict = await platform.ensureRobot({ name: "strictbot", requireKey: true });
  const { stdout } = await runCli(["doctor", "--json", "--server", platform.url, "--robot-id", strict.robotId, "--camera-id", strict.cameraId]);
  expect(checksOf(stdout).identity).toMatchObject({ status: "fail", detail: expect.stringContaining("key_required") });
});

test("the right key: the server accepted the robot", async () => {
  const strict = await platform.ensureRobot({ name: "keyedbot", requireKey: true });
  const env = cleanEnv({ LETSROBOT_PLATFORM_ROBOT_KEY: strict.robotKey });
  const { stdout } = await runCli(["doctor", "--json", "--server", platform.url, "--robot-id", strict.robotId, "--camera-id", strict.cameraId], { env });
  expect(checksOf(stdout).identity).toMatchObject({ status: "pass", detail: "the control server accepted the robot and its key" });
});
