/**
 * Amplification and the bystander (issue 17, finding 5): while attacker sockets flood `watch_robot` and
 * `robot_id`, how long does a normal viewer's command take to reach the robot, and how many `robot_state`
 * broadcasts does each watcher get?
 *
 *   bun bench/flood.ts [seconds] [watchers] [attackers] [platform-root ...]
 *
 * The platform runs in a child process (default limits, as `serve` runs it), once per platform root given
 * (default: this checkout), so an older checkout can be measured side by side in the same run, e.g.
 * `git worktree add /tmp/before <commit> && ln -s $PWD/node_modules /tmp/before/ && bun bench/flood.ts 5 30 10 . /tmp/before`.
 * Quiet phase first (the same clients, no flood) as the reference. Prints p50/p99 of the bystander's
 * command latency (emit → robot receipt) and robot_state events per watcher per second.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { SocketChannel } from "../lib/net/channel.ts";
import { waitConnected } from "../lib/net/channel.ts";
import { connectSocket } from "../lib/net/socket-client.ts";
import { percentile } from "./core/stats.ts";

if (process.argv[2] === "--child") {
  const [root = ".", dataDir = ""] = process.argv.slice(3);
  const { startPlatform } = (await import(resolve(root, "lib/server/platform.ts"))) as typeof import("../lib/server/platform.ts");
  const { createLogger } = (await import(resolve(root, "lib/log.ts"))) as typeof import("../lib/log.ts");
  const platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir, log: createLogger("silent") });
  const robot = await platform.ensureRobot({ name: "flooded", owner: "bench" });
  process.stdout.write(`${JSON.stringify({ url: platform.url, robotId: robot.robotId, robotKey: robot.robotKey })}\n`);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => void platform.close().then(() => process.exit(0)));
  await new Promise(() => undefined);
}

const seconds = Number(process.argv[2] ?? 5);
const watcherCount = Number(process.argv[3] ?? 30);
const attackerCount = Number(process.argv[4] ?? 10);
const roots = process.argv.slice(5).length ? process.argv.slice(5) : ["."];

interface Phase {
  p50: number;
  p99: number;
  commands: number;
  statesPerWatcherPerSecond: number;
  floodEvents: number;
}

async function measure(root: string): Promise<{ quiet: Phase; flood: Phase }> {
  const dataDir = mkdtempSync(join(tmpdir(), "letsrobot-flood-"));
  const child = Bun.spawn(["bun", import.meta.path, "--child", root, dataDir], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the platform child exited");
    text += new TextDecoder().decode(value);
  }
  const { url, robotId, robotKey } = JSON.parse(text.split("\n")[0] ?? "{}") as { url: string; robotId: string; robotKey: string };
  const opened: SocketChannel[] = [];
  const open = async (auth?: Record<string, string>) => {
    const channel = connectSocket({ url, auth, reconnect: false, timeoutMs: 10_000 });
    opened.push(channel);
    await waitConnected(channel, 10_000);
    return channel;
  };
  try {
    const robot = await open({ robot_key: robotKey });
    await new Promise((r) => robot.emit("robot_id", robotId, r));
    const arrived = new Map<number, number>();
    robot.on("command_to_robot", (d) => {
      const n = Number((d as { command: string }).command.slice(1));
      arrived.set(n, performance.now());
    });
    let states = 0;
    const watchers = await Promise.all(Array.from({ length: watcherCount }, (_, i) => open({ name: `w${i}` })));
    for (const w of watchers) {
      w.on("robot_state", () => (states += 1));
      await new Promise((r) => w.emit("watch_robot", { robot_id: robotId }, r));
    }
    const bystander = await open({ name: "bystander" });
    const attackers = await Promise.all(Array.from({ length: attackerCount }, () => open()));

    const phase = async (flood: boolean): Promise<Phase> => {
      await Bun.sleep(500);
      const sentAt = new Map<number, number>();
      const statesBefore = states;
      let floodEvents = 0;
      let n = arrived.size + 1000 * (flood ? 2 : 1);
      const end = performance.now() + seconds * 1000;
      const floodLoop = (async () => {
        while (flood && performance.now() < end) {
          for (const a of attackers) {
            for (let i = 0; i < 20; i++) {
              a.emit(i % 2 ? "watch_robot" : "robot_id", i % 2 ? { robot_id: robotId } : robotId);
              floodEvents += 1;
            }
          }
          await Bun.sleep(1);
        }
      })();
      while (performance.now() < end) {
        n += 1;
        sentAt.set(n, performance.now());
        bystander.emit("command_to_robot", { robot_id: robotId, command: `C${n}`, key_position: "" });
        await Bun.sleep(100); // 10 per second: the bystander's whole budget
      }
      await floodLoop;
      // late commands count too (a swamped server delivers them seconds later): wait up to 20 s for all
      const deadline = performance.now() + 20_000;
      while ([...sentAt.keys()].some((k) => !arrived.has(k)) && performance.now() < deadline) await Bun.sleep(50);
      const latencies = [...sentAt].map(([k, t]) => (arrived.get(k) ?? Number.NaN) - t).filter(Number.isFinite);
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), commands: latencies.length, statesPerWatcherPerSecond: (states - statesBefore) / watcherCount / seconds, floodEvents };
    };
    const quiet = await phase(false);
    const flood = await phase(true);
    return { quiet, flood };
  } finally {
    for (const c of opened) c.close();
    child.kill("SIGTERM");
    await child.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`flood: ${seconds} s per phase, ${watcherCount} watchers, ${attackerCount} attacker sockets (watch_robot + robot_id as fast as they can), a bystander sending 10 commands/s`);
for (const root of roots) {
  const { quiet, flood } = await measure(root);
  const line = (name: string, p: Phase) =>
    `  ${name.padEnd(6)} bystander command → robot p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms (${p.commands} commands); robot_state per watcher ${p.statesPerWatcherPerSecond.toFixed(1)}/s${p.floodEvents ? `; flood events sent ${p.floodEvents}` : ""}`;
  console.log(`${resolve(root)}:\n${line("quiet", quiet)}\n${line("flood", flood)}`);
}
