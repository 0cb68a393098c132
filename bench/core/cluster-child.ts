// One `serve` platform for the scale-out benchmark (bench/suites/cluster.ts): the per-user limits lifted,
// on Redis when a URL is given. Prints its URL as one line, then serves until SIGTERM.
// Usage: bun bench/core/cluster-child.ts DATA_DIR [REDIS_URL NODE_ID]
import { createLogger } from "../../lib/log.ts";
import { startPlatform } from "../../lib/server/platform.ts";

const [dataDir, redisUrl = "", nodeId = "node"] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: cluster-child.ts DATA_DIR [REDIS_URL NODE_ID]");
const platform = await startPlatform({
  host: "127.0.0.1",
  port: 0,
  dataDir,
  log: createLogger("warn"),
  limits: { commandsPerSecond: 1_000_000, commandBurst: 1_000_000, eventsPerSecond: 1_000_000, eventBurst: 1_000_000 },
  viewersPerAddress: 0,
  ...(redisUrl ? { cluster: { redisUrl, nodeId } } : {}),
});
process.stdout.write(`${platform.url}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void platform.close().then(() => process.exit(0)));
