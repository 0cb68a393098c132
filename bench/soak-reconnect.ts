/**
 * R2: reconnect after a server restart. `letsrobot run` (a child process) stays up while the local platform
 * (`startPlatform`, what `letsrobot serve` runs) is stopped and started again on the same port, N times.
 * Prints, per restart, the time from "listening again" to "robot identified" and to "a viewer's command
 * reached the robot", then median/min/max (target: p50 ≤ 2 s, max ≤ 6 s).
 *
 *   bun bench/soak-reconnect.ts [--restarts 10] [--binary dist/letsrobot]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../lib/log.ts";
import { waitConnected } from "../lib/net/channel.ts";
import { connectSocket } from "../lib/net/socket-client.ts";
import { type Platform, startPlatform } from "../lib/server/platform.ts";

const { values } = parseArgs({ options: { restarts: { type: "string", default: "10" }, binary: { type: "string" } } });
const restarts = Number(values.restarts);
if (!Number.isInteger(restarts) || restarts < 1) {
  console.error("--restarts must be a whole number ≥ 1");
  process.exit(2);
}
const root = resolve(import.meta.dir, "..");
const home = mkdtempSync(join(tmpdir(), "letsrobot-r2-"));
const dataDir = join(home, "data");
const log = createLogger("silent");
let platform: Platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir, log });
const port = platform.port;
const robot = await platform.ensureRobot({ name: "rover", owner: "alice" });
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  NO_COLOR: "1",
  LETSROBOT_PLATFORM_SERVER: platform.url,
  LETSROBOT_PLATFORM_ROBOT_ID: robot.robotId,
  LETSROBOT_PLATFORM_CAMERA_ID: robot.cameraId,
  LETSROBOT_PLATFORM_ROBOT_KEY: robot.robotKey,
  LETSROBOT_PLATFORM_SOCKET_VERSION: "4",
  LETSROBOT_VIDEO_ENABLED: "false",
  LETSROBOT_AUDIO_ENABLED: "false",
  LETSROBOT_TTS_ENABLED: "false",
};
const argv = values.binary ? [resolve(values.binary), "run"] : ["bun", join(root, "cli/main.ts"), "run"];
const child = Bun.spawn([...argv, "--json", "--quiet"], { env, stdin: "ignore", stdout: "pipe", stderr: "inherit" });
let commandsSeen = 0;
void (async () => {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let rest = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    rest += decoder.decode(value, { stream: true });
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.includes('"type":"command"')) commandsSeen += 1;
  }
})();

const online = () => platform.status().robots.some((r: { id?: string; robot_id?: string; online?: boolean }) => r.online === true);
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await Bun.sleep(5);
  }
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]?.toFixed(0)} ms, min ${s[0]?.toFixed(0)}, max ${s.at(-1)?.toFixed(0)}`;
};

try {
  await until(online, 20_000);
  const identified: number[] = [];
  const commanded: number[] = [];
  console.log("restart\tdown_ms\tidentified_ms\tcommand_ms");
  for (let i = 1; i <= restarts; i++) {
    await platform.close();
    const downMs = 200 + Math.round(Math.random() * 1800);
    await Bun.sleep(downMs);
    platform = await startPlatform({ host: "127.0.0.1", port, dataDir, log });
    const listening = performance.now();
    const viewer = connectSocket({ url: platform.url, auth: { token: robot.ownerToken } });
    await waitConnected(viewer, 5000);
    await until(online, 10_000);
    const idMs = performance.now() - listening;
    const before = commandsSeen;
    const sender = setInterval(() => viewer.emit("command_to_robot", { robot_id: robot.robotId, command: "L", key_position: "" }, () => {}), 100);
    viewer.emit("command_to_robot", { robot_id: robot.robotId, command: "L", key_position: "" }, () => {});
    await until(() => commandsSeen > before, 10_000);
    clearInterval(sender);
    const cmdMs = performance.now() - listening;
    viewer.close();
    identified.push(idMs);
    commanded.push(cmdMs);
    console.log(`${i}\t${downMs}\t${idMs.toFixed(0)}\t${cmdMs.toFixed(0)}`);
  }
  console.log(`identified after restart: ${stats(identified)}`);
  console.log(`command flowing after restart: ${stats(commanded)} (R2 target: p50 ≤ 2000 ms, max ≤ 6000 ms)`);
} finally {
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const code = await child.exited;
  clearTimeout(timer);
  await platform.close();
  rmSync(home, { recursive: true, force: true });
  console.log(`robot exited with ${code}`);
}
