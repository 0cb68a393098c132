/**
 * Redis going away under a running `serve` (in-process, real redis-server): commands between sockets of
 * this process keep flowing, nothing crashes, and the process picks Redis up again when it is back.
 */
import { afterAll, expect, test } from "bun:test";
import { createLogger } from "../../lib/log.ts";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import type { Platform } from "../../lib/server/platform.ts";
import { type RedisServer, startRedis } from "./cluster-helpers.ts";
import { connect, emitAck, nextEvent, startTestPlatform, tempDataDir, until } from "./helpers.ts";

const data = tempDataDir();
const opened: SocketChannel[] = [];
let redis: RedisServer | undefined;
let platform: Platform | undefined;
let logText = "";
const log = createLogger("info", { write: (chunk: string) => ((logText += chunk), true), isTTY: false } as unknown as NodeJS.WriteStream);

afterAll(async () => {
  for (const c of opened) c.close();
  await platform?.close();
  await redis?.stop();
  data.remove();
});

test("Redis lost and back: local commands never stop, the process reconnects", async () => {
  redis = await startRedis();
  platform = await startTestPlatform(data.dir, { log, cluster: { redisUrl: redis.url, nodeId: "solo", heartbeatMs: 100 } });
  const rover = await platform.ensureRobot({ name: "rover" });
  const control = await connect(connectSocket, platform.url, { robot_key: rover.robotKey }, opened);
  expect(await emitAck(control, "robot_id", rover.robotId)).toMatchObject({ ok: true });
  const viewer = await connect(connectSocket, platform.url, { name: "vera" }, opened);
  const drive = async (i: number) => {
    const got = nextEvent<Record<string, unknown>>(control, "command_to_robot", 3000, (c) => c.command === `go:${i}`);
    expect(await emitAck(viewer, "command_to_robot", { robot_id: rover.robotId, command: `go:${i}`, key_position: "" })).toMatchObject({ ok: true });
    await got;
  };
  await drive(0);

  const port = redis.port;
  await redis.stop();
  redis = undefined;
  await until(() => logText.includes("lost Redis at 127.0.0.1"), 5000, "the loss logged");
  // long enough for the adapter's publishes to run out of reconnect attempts and fail
  for (let i = 1; i <= 15; i++) {
    await drive(i);
    await Bun.sleep(100);
  }
  // the URL (which may carry a password) is never logged, only host and port
  expect(logText).not.toContain("redis://");

  redis = await startRedis(port);
  await until(() => logText.includes("is back"), 10_000, "the reconnect logged");
  await drive(99);
}, 30_000);
