// The local platform in its own process with the per-user command limits lifted (a load script sends far
// more than a person), so its CPU can be read from /proc. Prints {url, port, robot} as one JSON line, then
// serves until SIGTERM. Usage: bun bench/core/platform-child.ts DATA_DIR [PORT]
import { createLogger } from "../../lib/log.ts";
import { startPlatform } from "../../lib/server/platform.ts";

const [dataDir, port = "0"] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: platform-child.ts DATA_DIR [PORT]");
const platform = await startPlatform({
  host: "127.0.0.1",
  port: Number(port),
  dataDir,
  log: createLogger("warn"),
  limits: { commandsPerSecond: 1_000_000, commandBurst: 1_000_000, eventsPerSecond: 1_000_000, eventBurst: 1_000_000 },
  viewersPerAddress: 0,
});
const robot = await platform.ensureRobot({ name: "bench", owner: "bench" });
process.stdout.write(`${JSON.stringify({ url: platform.url, port: platform.port, robot })}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void platform.close().then(() => process.exit(0)));
