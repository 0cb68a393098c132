/**
 * M1 memory soak: `letsrobot run` against a local socket.io server while fake viewers send commands and
 * chat; prints the robot process's RSS (ffmpeg excluded: video is off) over time and the growth.
 *
 *   bun bench/soak.ts                 # 60 s
 *   bun bench/soak.ts --seconds 3600  # the hour-long soak of M1 (docs/performance.md)
 *   bun bench/soak.ts --binary dist/letsrobot --rate 50
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startRobotServer } from "../test/robot/robot-server.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    rate: { type: "string", default: "20" },
    "chat-every": { type: "string", default: "2" },
    sample: { type: "string", default: "5" },
    binary: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const chatEvery = Number(values["chat-every"]);
const sampleS = Number(values.sample);
for (const [name, n] of Object.entries({ seconds, rate, chatEvery, sampleS })) {
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
}

const root = resolve(import.meta.dir, "..");
const home = mkdtempSync(join(tmpdir(), "letsrobot-soak-"));
const wavDir = join(home, "wav");
const server = await startRobotServer({ version: 4, owner: "alice" });
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  NO_COLOR: "1",
  LETSROBOT_PLATFORM_SERVER: server.url,
  LETSROBOT_PLATFORM_ROBOT_ID: "100",
  LETSROBOT_PLATFORM_CAMERA_ID: "100",
  LETSROBOT_PLATFORM_SOCKET_VERSION: "4",
  LETSROBOT_VIDEO_ENABLED: "false",
  LETSROBOT_AUDIO_ENABLED: "false",
  LETSROBOT_TTS_OUTPUT_DIR: wavDir,
};
const argv = values.binary ? [resolve(values.binary), "run"] : ["bun", join(root, "cli/main.ts"), "run"];
const robot = Bun.spawn([...argv, "--quiet"], { env, stdin: "ignore", stdout: "ignore", stderr: "inherit" });

function rssMb(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return line ? Number(line.replace(/\D+/g, "")) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

try {
  await server.waitFor((r) => r.event === "robot_id", 20_000);
  await server.waitFor((r) => r.event === "identify_robot_id" && r.role === "chat", 20_000);
  console.log(`soak: ${seconds} s, ${rate} commands/s, a chat message every ${chatEvery} s; robot pid ${robot.pid} (${argv.join(" ")})`);
  console.log("t_s\trss_mb\tcommands\tchats");
  const words = ["F", "B", "L", "R", "U", "D", "stop"];
  let commands = 0;
  let chats = 0;
  let n = 0;
  const sendTimer = setInterval(() => {
    const word = words[n++ % words.length] as string;
    const held = n % 3 === 0;
    server.send("control", "command_to_robot", { robot_id: "100", command: word, user: `viewer${n % 50}`, key_position: held ? "down" : "", anonymous: false });
    if (held) server.send("control", "command_to_robot", { robot_id: "100", command: word, user: `viewer${n % 50}`, key_position: "up", anonymous: false });
    commands += held ? 2 : 1;
  }, 1000 / rate);
  const chatTimer = setInterval(() => {
    chats += 1;
    const text = chats % 10 === 0 ? ".table on" : `message ${chats} from the soak http://example.com/${chats}`;
    server.send("chat", "chat_message_with_name", { name: chats % 10 === 0 ? "alice" : `viewer${chats % 50}`, message: `[bot] ${text}`, robot_id: "100", _id: `m${chats}`, anonymous: false });
    for (const f of readdirSync(wavDir, { withFileTypes: true })) if (f.isFile()) rmSync(join(wavDir, f.name), { force: true });
  }, chatEvery * 1000);
  const samples: { t: number; rss: number }[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await Bun.sleep(Math.min(sampleS * 1000, seconds * 1000 - (performance.now() - started)));
    const rss = rssMb(robot.pid);
    if (rss === undefined) throw new Error("the robot process exited during the soak");
    const t = (performance.now() - started) / 1000;
    samples.push({ t, rss });
    console.log(`${t.toFixed(0)}\t${rss.toFixed(1)}\t${commands}\t${chats}`);
  }
  clearInterval(sendTimer);
  clearInterval(chatTimer);
  // warm-up: the first quarter of the run (at least 10 s): JIT, socket buffers and the allocator settle;
  // never more than a third, so a short run (--smoke: 8 s) still has steady samples to summarise
  const warm = Math.min(Math.max(10, seconds / 4), seconds / 3);
  const steady = samples.filter((s) => s.t >= warm);
  const half = samples.filter((s) => s.t >= seconds / 2);
  const growth = (list: { rss: number }[]) => (list.at(-1)?.rss ?? 0) - (list[0]?.rss ?? 0);
  const sorted = steady.map((s) => s.rss).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const span = (samples.at(-1)?.t ?? 0) - (steady[0]?.t ?? 0);
  console.log(
    `summary: rss after warm-up (${warm.toFixed(0)} s) median ${median.toFixed(1)} MB, min ${(sorted[0] ?? 0).toFixed(1)}, max ${(sorted.at(-1) ?? 0).toFixed(1)}; ` +
      `growth ${growth(steady).toFixed(1)} MB over ${span.toFixed(0)} s after warm-up, ${growth(half).toFixed(1)} MB over the second half; ` +
      `${commands} commands, ${chats} chats (M1 target: ≤ 80 MB steady, ≤ 5 MB growth per hour)`,
  );
} finally {
  robot.kill("SIGINT");
  const timer = setTimeout(() => robot.kill("SIGKILL"), 10_000);
  const code = await robot.exited;
  clearTimeout(timer);
  await server.stop();
  rmSync(home, { recursive: true, force: true });
  console.log(`robot exited with ${code}`);
}
