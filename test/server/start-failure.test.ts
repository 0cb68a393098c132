/**
 * A start that fails half-way closes exactly what it opened. A [twitch] chat section with no channel is found
 * last, after the store, Redis, the ports (with TLS), socket.io, the relay and the cluster membership are up.
 * Afterwards nothing listens on the ports, Redis holds no connection of ours, and no handle keeps the process
 * alive. (Failing earlier: port in use in cli.test.ts, Redis unreachable in cluster.test.ts.)
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { ConfigError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { runProcess } from "../../lib/process/run.ts";
import { selfSignedIdentity, type TlsIdentity } from "../../lib/server/tls/identity.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { freePort, type RedisServer, startRedis } from "./cluster-helpers.ts";
import { startTestPlatform, tempDataDir, until } from "./helpers.ts";

const data = tempDataDir();
let redis: RedisServer;
let tls: TlsIdentity;

beforeAll(async () => {
  redis = await startRedis();
  tls = await selfSignedIdentity(data.dir, ["127.0.0.1"], runProcess);
});

afterAll(async () => {
  await redis.stop();
  data.remove();
});

/** Whether a TCP connection to the port on 127.0.0.1 is refused (nothing listens there). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/** Clients connected to the Redis server, not counting the one asking. */
function redisClients(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1", () => socket.write("INFO clients\r\n"));
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      const match = /connected_clients:(\d+)/.exec(text);
      if (!match) return;
      socket.destroy();
      resolve(Number(match[1]) - 1);
    });
    socket.once("error", reject);
  });
}

test("a start that fails after everything else is up leaves nothing listening and no Redis connection", async () => {
  let logText = "";
  const log = createLogger("info", { write: (chunk: string) => ((logText += chunk), true), isTTY: false } as unknown as NodeJS.WriteStream);
  const [port, appPort] = [await freePort(), await freePort()];
  const failed = await startTestPlatform(data.dir, { log, port, appPort, tls, cluster: { redisUrl: redis.url, nodeId: "half-way" }, twitch: { ...defaults().twitch, chat: true, channel: "" } }).catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(ConfigError);
  expect((failed as Error).message).toBe("twitch.channel is empty");
  // it failed half-way: the process had joined the cluster, so the ports were up and Redis connected
  expect(logText).toContain("shares state through Redis");
  // and every part it had opened stopped without an error or a timeout
  expect(logText).not.toContain("stopping");
  expect([await refused(port), await refused(appPort)]).toEqual([true, true]);
  await until(async () => (await redisClients(redis.port)) === 0, 3000, "Redis to see our connections closed");
}, 20_000);

test("after a start that fails half-way, no handle keeps the process alive", async () => {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "failing-start.ts"), data.dir, redis.url, String(await freePort()), String(await freePort())], {
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  expect(stdout).toBe("twitch.channel is empty\n");
  // killed after 10 s (code null, SIGKILL) when something the failed start opened was still open
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
}, 20_000);
