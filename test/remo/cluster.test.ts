import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRobot } from "../../commands/run.ts";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createLogger } from "../../lib/log.ts";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { runProcess } from "../../lib/process/run.ts";
import { openStore, type RobotSecrets } from "../../lib/server/store/store.ts";
import { type RedisServer, type ServeProcess, spawnServe, startRedis } from "../server/cluster-helpers.ts";
import { connect, emitAck, tempDataDir, until } from "../server/helpers.ts";

/**
 * A Remo robot (`run` with protocol = remo, sim driver) connected to process A of a two-process `serve`
 * cluster (one real redis-server, one data dir) obeys a viewer connected to process B.
 */
const data = tempDataDir();
const opened: SocketChannel[] = [];
let redis: RedisServer;
let a: ServeProcess;
let b: ServeProcess;
let robot: { id: string } & RobotSecrets;
const shutdown = new AbortController();
const events: Record<string, unknown>[] = [];
let done: Promise<void> | undefined;
const of = (type: string) => events.filter((e) => e.type === type);

beforeAll(async () => {
  redis = await startRedis();
  const store = openStore(data.dir);
  const made = store.ensureRobot({ name: "rover", owner: "ann" });
  store.close();
  robot = { id: made.robot.id, ...made.secrets };
  const env = (node: string) => ({ LETSROBOT_SERVER_REDIS_URL: redis.url, LETSROBOT_SERVER_NODE_ID: node });
  a = await spawnServe(data.dir, env("node-a"));
  b = await spawnServe(data.dir, env("node-b"));
  await Promise.all([a.waitForLog(/node-b (joined|is up)/), b.waitForLog(/node-a (joined|is up)/)]);
}, 60_000);

afterAll(async () => {
  shutdown.abort("SIGINT");
  await done;
  for (const c of opened) c.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  data.remove();
});

test("a Remo robot on process A obeys a viewer on process B", async () => {
  const config = merge(defaults(), {
    platform: { protocol: "remo", server: a.url, robot_key: robot.robotKey, channel: "rover" },
    video: { enabled: false },
    audio: { enabled: false },
    tts: { enabled: false },
  });
  done = runRobot(
    { config, json: true },
    { log: createLogger("silent"), out: { text: (l) => events.push(JSON.parse(l)), json: () => {} }, env: { HOME: mkdtempSync(join(tmpdir(), "letsrobot-remo-")) }, fetch, shutdown: shutdown.signal, interactive: false, runProcess },
  );
  await until(() => of("online").length === 1, 10_000, "robot online on A");
  const owner = await connect(connectSocket, b.url, { token: robot.ownerToken }, opened);
  // the robot's presence crosses the cluster like a socket.io robot's; then a pulse sent to B runs on the robot
  await until(async () => ((await emitAck(owner, "command_to_robot", { robot_id: robot.id, command: "F", key_position: "" })) as { ok?: boolean }).ok === true && of("command").length > 0, 10_000, "command from B reaches the robot on A");
  expect(of("command")[0]).toMatchObject({ command: "f", user: "ann", accepted: true });
  await until(() => of("stop").some((e) => e.reason === "pulse-end"), 5000, "the forward pulse ran and ended");
}, 60_000);
