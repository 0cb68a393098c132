// Scale-out benchmark: command throughput and latency through two `serve` processes sharing a real
// redis-server (viewer on B, robot on A), side by side with one process (viewer and robot on it), and with
// two processes where viewer and robot happen to share one (what the Redis adapter costs by itself); and the
// relay: an upload on A timed at a viewer on A and a viewer on B.
// Prints median [min–max] over rounds; asserts nothing.
// Usage: bun bench/cluster.ts [--rounds 3] [--seconds 3] [--latency 300] [--json]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { request } from "node:http";
import { join } from "node:path";
import { createLogger } from "../lib/log.ts";
import type { SocketChannel } from "../lib/net/channel.ts";
import { connectSocket } from "../lib/net/socket-client.ts";
import { startPlatform } from "../lib/server/platform.ts";
import { openStore } from "../lib/server/store.ts";
import { startRedis } from "../test/server/cluster-helpers.ts";
import { percentile, summarise } from "./core/stats.ts";

type Child = { url: string; proc: Bun.Subprocess<"ignore", "pipe", "pipe"> };

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

async function spawnChild(dataDir: string, redisUrl: string, nodeId: string): Promise<Child> {
  const proc = Bun.spawn([process.execPath, import.meta.path, "--child", dataDir, redisUrl, nodeId], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`a serve child exited: ${await new Response(proc.stderr).text()}`);
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { url: out.split("\n")[0] ?? "", proc };
}

async function stopChild(child: Child): Promise<void> {
  child.proc.kill("SIGTERM");
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), 5000);
  await child.proc.exited;
  clearTimeout(timer);
}

function open(url: string, auth: Record<string, string>): Promise<SocketChannel> {
  const channel = connectSocket({ url, auth, reconnect: false, timeoutMs: 5000 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection to ${url}`)), 5000);
    channel.onState((state, detail) => {
      clearTimeout(timer);
      state === "connect" ? resolve(channel) : reject(new Error(detail ?? state));
    });
  });
}

const ack = (channel: SocketChannel, event: string, data: unknown) =>
  new Promise<Record<string, unknown>>((resolve) => channel.emit(event, data, (reply) => resolve(reply as Record<string, unknown>)));

interface Round {
  p50: number;
  p99: number;
  throughput: number;
  lost: number;
}

/** One round: the robot on `robotUrl`, viewers on `viewerUrl`. */
async function round(robotUrl: string, viewerUrl: string, robot: { id: string; key: string }, seconds: number, latencyCount: number): Promise<Round> {
  const control = await open(robotUrl, { robot_key: robot.key });
  await ack(control, "robot_id", robot.id);
  const viewers = await Promise.all(Array.from({ length: 8 }, (_, i) => open(viewerUrl, { name: `load${i}` })));
  const waiting = new Map<string, (at: number) => void>();
  let received = 0;
  control.on("command_to_robot", (data) => {
    received += 1;
    const command = (data as { command: string }).command;
    waiting.get(command)?.(performance.now());
  });
  try {
    // the viewers' process knows the robot is online once a command is accepted
    for (let i = 0; i < 250; i++) {
      if ((await ack(viewers[0] as SocketChannel, "command_to_robot", { robot_id: robot.id, command: "warm", key_position: "" })).ok === true) break;
      await Bun.sleep(20);
    }
    // latency: one command in flight at a time, emit → robot socket
    const latencies: number[] = [];
    for (let i = 0; i < latencyCount; i++) {
      const command = `lat:${i}`;
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${command} never reached the robot`)), 5000);
        waiting.set(command, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
      const sent = performance.now();
      (viewers[i % viewers.length] as SocketChannel).emit("command_to_robot", { robot_id: robot.id, command, key_position: "" });
      latencies.push((await arrived) - sent);
      waiting.delete(command);
    }
    // throughput: each viewer keeps up to 64 commands unacknowledged for `seconds`
    received = 0;
    let sent = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      viewers.map(async (viewer) => {
        let inFlight = 0;
        await new Promise<void>((resolve) => {
          const pump = () => {
            while (inFlight < 64 && performance.now() < until) {
              inFlight += 1;
              sent += 1;
              viewer.emit("command_to_robot", { robot_id: robot.id, command: "F", key_position: "" }, () => {
                inFlight -= 1;
                if (performance.now() < until) pump();
                else if (inFlight === 0) resolve();
              });
            }
          };
          pump();
        });
      }),
    );
    const drainUntil = performance.now() + 3000;
    while (received < sent && performance.now() < drainUntil) await Bun.sleep(10);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), throughput: received / seconds, lost: sent - received };
  } finally {
    control.close();
    for (const v of viewers) v.close();
  }
}

/** A TS packet on PID 0x100: the first starts a video PES (so the relay sniffs "video"), the others carry a counter. */
function tsPacket(counter: number): Buffer {
  const p = Buffer.alloc(188, 0xff);
  p[0] = 0x47;
  p[1] = counter === 0 ? 0x41 : 0x01;
  p[2] = 0x00;
  p[3] = 0x10 | (counter & 0x0f);
  if (counter === 0) p.set([0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0], 4);
  else p.writeUInt32BE(counter, 8);
  return p;
}

interface RelayRound {
  /** Median and p99 of post → viewer arrival, per viewer. */
  near: { p50: number; p99: number; missing: number };
  far: { p50: number; p99: number; missing: number };
}

/** Post `count` packets (one every 5 ms) to `ingest`; a viewer on the same process and one on `farUrl` time each. */
async function relayRound(ingestUrl: string, nearUrl: string, farUrl: string, cameraId: string, streamKey: string, count: number): Promise<RelayRound> {
  const viewer = async (base: string) => {
    const ws = new WebSocket(`${base.replace("http", "ws")}/ws/stream/${cameraId}/video`);
    ws.binaryType = "arraybuffer";
    const arrivals = new Map<number, number>();
    ws.onmessage = (event) => {
      const now = performance.now();
      const bytes = Buffer.from(event.data as ArrayBuffer);
      for (let at = 0; at + 188 <= bytes.length; at += 188) if ((bytes[at + 1] ?? 0) === 0x01) arrivals.set(bytes.readUInt32BE(at + 8), now);
    };
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`viewer websocket to ${base} failed`));
    });
    return { ws, arrivals };
  };
  const near = await viewer(nearUrl);
  const far = await viewer(farUrl);
  // the far process follows the camera from its viewer's arrival: give the subscription a moment to land
  for (let i = 0; i < 100; i++) {
    const status = (await (await fetch(`${farUrl}/api/status`)).json()) as { streams: { camera_id: string; viewers: unknown[] }[] };
    if (status.streams.some((st) => st.camera_id === cameraId && st.viewers.length > 0)) break;
    await Bun.sleep(20);
  }
  const sent = new Map<number, number>();
  const url = new URL(`${ingestUrl}/${streamKey}/640/480/`);
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "transfer-encoding": "chunked" } });
  req.on("error", () => undefined);
  req.write(tsPacket(0));
  for (let i = 1; i <= count; i++) {
    await Bun.sleep(5);
    sent.set(i, performance.now());
    req.write(tsPacket(i));
  }
  const drainUntil = performance.now() + 2000;
  while ((near.arrivals.size < count || far.arrivals.size < count) && performance.now() < drainUntil) await Bun.sleep(10);
  req.end();
  near.ws.close();
  far.ws.close();
  const stats = (arrivals: Map<number, number>) => {
    const latencies = [...sent].flatMap(([i, t]) => (arrivals.has(i) ? [(arrivals.get(i) as number) - t] : []));
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), missing: sent.size - latencies.length };
  };
  return { near: stats(near.arrivals), far: stats(far.arrivals) };
}

async function main() {
  const rounds = flag("rounds", 3);
  const seconds = flag("seconds", 3);
  const latencyCount = flag("latency", 300);
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-bench-cluster-"));
  const redis = await startRedis();
  const children: Child[] = [];
  try {
    const store = openStore(dir);
    const made = store.ensureRobot({ name: "bench", owner: "bench" });
    store.close();
    const robot = { id: made.robot.id, key: made.secrets.robotKey };
    const camera = { id: made.robot.cameraId, streamKey: made.secrets.streamKey };
    const single = await spawnChild(dir, "", "single");
    const a = await spawnChild(dir, redis.url, "node-a");
    const b = await spawnChild(dir, redis.url, "node-b");
    children.push(single, a, b);
    const setups = [
      { name: "one process", robot: single.url, viewer: single.url },
      { name: "two processes, same process", robot: a.url, viewer: a.url },
      { name: "two processes, robot A viewer B", robot: a.url, viewer: b.url },
    ];
    const results = new Map<string, Round[]>(setups.map((s) => [s.name, []]));
    for (let r = 0; r < rounds; r++) {
      // interleaved, so a noisy moment hits every setup alike
      for (const setup of setups) results.get(setup.name)?.push(await round(setup.robot, setup.viewer, robot, seconds, latencyCount));
    }
    const rows = setups.map((setup) => {
      const list = results.get(setup.name) ?? [];
      return {
        setup: setup.name,
        latency_p50_ms: summarise(list.map((x) => x.p50)),
        latency_p99_ms: summarise(list.map((x) => x.p99)),
        throughput_per_s: summarise(list.map((x) => x.throughput)),
        lost: list.reduce((n, x) => n + x.lost, 0),
      };
    });
    const relayRounds: RelayRound[] = [];
    for (let r = 0; r < rounds; r++) relayRounds.push(await relayRound(a.url, a.url, b.url, camera.id, camera.streamKey, 200));
    const relay = {
      same_process_p50_ms: summarise(relayRounds.map((x) => x.near.p50)),
      same_process_p99_ms: summarise(relayRounds.map((x) => x.near.p99)),
      other_process_p50_ms: summarise(relayRounds.map((x) => x.far.p50)),
      other_process_p99_ms: summarise(relayRounds.map((x) => x.far.p99)),
      missing: { same_process: relayRounds.reduce((n, x) => n + x.near.missing, 0), other_process: relayRounds.reduce((n, x) => n + x.far.missing, 0) },
    };
    if (process.argv.includes("--json")) {
      process.stdout.write(`${JSON.stringify({ rounds, seconds, latency_commands: latencyCount, rows, relay }, null, 2)}\n`);
      return;
    }
    const fmt = (s: { median: number; min: number; max: number }, digits: number) => `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]`;
    const base = rows[0];
    console.log(`serve scale-out: ${rounds} rounds, ${latencyCount} sequential commands for latency, 8 viewers × 64 in flight for ${seconds} s for throughput`);
    console.log(`${"setup".padEnd(34)}${"latency p50 ms".padEnd(24)}${"latency p99 ms".padEnd(24)}${"commands/s".padEnd(26)}lost  ×p50  ×throughput`);
    for (const row of rows) {
      const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : "-");
      console.log(
        `${row.setup.padEnd(34)}${fmt(row.latency_p50_ms, 2).padEnd(24)}${fmt(row.latency_p99_ms, 2).padEnd(24)}${fmt(row.throughput_per_s, 0).padEnd(26)}${String(row.lost).padEnd(6)}${ratio(row.latency_p50_ms.median, base?.latency_p50_ms.median).padEnd(6)}${ratio(row.throughput_per_s.median, base?.throughput_per_s.median)}`,
      );
    }
    console.log(`relay, upload on A (200 TS packets, one every 5 ms), post → viewer arrival:`);
    console.log(`  viewer on A (same process)   p50 ${fmt(relay.same_process_p50_ms, 2)} ms   p99 ${fmt(relay.same_process_p99_ms, 2)} ms   missing ${relay.missing.same_process}`);
    console.log(`  viewer on B (through Redis)  p50 ${fmt(relay.other_process_p50_ms, 2)} ms   p99 ${fmt(relay.other_process_p99_ms, 2)} ms   missing ${relay.missing.other_process}`);
  } finally {
    await Promise.all(children.map(stopChild));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// child mode: one platform with the per-user limits lifted, optionally on Redis; prints its URL, serves until SIGTERM
if (process.argv[2] === "--child") {
  const [dataDir = "", redisUrl = "", nodeId = "node"] = process.argv.slice(3);
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
} else {
  await main();
}
