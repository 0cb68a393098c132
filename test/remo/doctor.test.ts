import { afterEach, expect, test } from "bun:test";
import { type Config, defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { checks, runChecks } from "../../lib/doctor/checks.ts";
import { runProcess } from "../../lib/process/run.ts";
import { REMO_KEY, type RemoTestServer, startRemoTestServer } from "./remo-server.ts";

/** `doctor` with platform.protocol = remo asks the Remo server (real websocket and HTTP on 127.0.0.1), not LetsRobot lookups. */
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
