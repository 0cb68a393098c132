// A platform in its own process for the benchmarks, so its CPU time can be read from /proc/PID/stat.
// Prints one JSON line {url, port, robot} on stdout, then serves until SIGTERM.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import { startPlatform } from "../../lib/server/platform.ts";

const platform = await startPlatform({
  host: "127.0.0.1",
  port: 0,
  dataDir: mkdtempSync(join(tmpdir(), "letsrobot-bench-")),
  log: createLogger("warn"),
  // the benchmark drives far more than a human: lift the per-user limits
  limits: { commandsPerSecond: 1_000_000, commandBurst: 1_000_000 },
});
const robot = await platform.ensureRobot({ name: "bench", owner: "bench" });
process.stdout.write(`${JSON.stringify({ url: platform.url, port: platform.port, robot })}\n`);
process.on("SIGTERM", () => void platform.close().then(() => process.exit(0)));
