import { afterEach, expect, test } from "bun:test";
import { type Config, defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { checks, runChecks } from "../../lib/doctor/checks.ts";
import { runProcess } from "../../lib/process/run.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";
import { REMO_KEY, type RemoTestServer, startRemoTestServer } from "./remo-server.ts";

/** `doctor` and `probe` with platform.protocol = remo ask the Remo server (real websocket and HTTP on 127.0.0.1), not LetsRobot lookups. */
let server: RemoTestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const context = (config: Config) => ({ config, fetch, runProcess, sysRoot: "/nonexistent", procRoot: "/nonexistent", devRoot: "/nonexistent", path: "", dataDir: "/tmp", now: () => new Date() });

async function doctor(platform: Record<string, unknown>) {
  server = startRemoTestServer();
  const config = merge(defaults(), { platform: { protocol: "remo", server: server.url, robot_key: REMO_KEY, timeout_ms: 2000, ...platform } });
  const wanted = new Set(["lookups", "sockets", "identity", "remo"]);
  const results = await runChecks(
    context(config),
    checks.filter((c) => wanted.has(c.id)),
  );
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

test("the Remo check passes when the server takes the key and lists the channel; the LetsRobot checks are skipped", async () => {
  const results = await doctor({ channel: "rover" });
  expect(results.remo?.status).toBe("pass");
  expect(results.remo?.detail).toContain("joins channel rover");
  for (const id of ["lookups", "sockets", "identity"]) expect(results[id]?.status).toBe("skip");
});

test("a wrong robot key fails the Remo check, required, with the fix", async () => {
  const results = await doctor({ robot_key: "not-the-key" });
  expect(results.remo).toMatchObject({ status: "fail", required: true });
  expect(results.remo?.detail).toContain("refused the robot key");
  expect(results.remo?.hint).toContain("platform.robot_key");
  expect(results.remo?.hint).toContain("`letsrobot serve robot add` on your own server");
});

test("a server that is not there fails the Remo check, naming it", async () => {
  const config = merge(defaults(), { platform: { protocol: "remo", server: "http://127.0.0.1:9", robot_key: REMO_KEY, timeout_ms: 1000 } });
  const [result] = await runChecks(
    context(config),
    checks.filter((c) => c.id === "remo"),
  );
  expect(result).toMatchObject({ status: "fail", required: true });
  expect(result?.detail).toContain("ws://127.0.0.1:9/");
});

test("probe with protocol = remo asks the Remo server: ok with the channel, a failure exit and no key in the output for a wrong key", async () => {
  server = startRemoTestServer();
  const env = (key: string) => cleanEnv({ LETSROBOT_PLATFORM_PROTOCOL: "remo", LETSROBOT_PLATFORM_SERVER: server?.url ?? "", LETSROBOT_PLATFORM_ROBOT_KEY: key, LETSROBOT_PLATFORM_CHANNEL: "rover" });
  const good = await runCli(["probe", "--json"], { env: env(REMO_KEY) });
  expect(good.code).toBe(0);
  expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, remo: { ok: true, detail: expect.stringContaining("joins channel rover") } });
  const bad = await runCli(["probe"], { env: env("not-the-key") });
  expect(bad.code).not.toBe(0);
  expect(bad.stdout).toContain("FAIL");
  expect(bad.stderr).toContain("refused the robot key");
  expect(`${bad.stdout}${bad.stderr}`).not.toContain("not-the-key");
});
