import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { openStore } from "../../lib/server/store/store.ts";
import { startRedis } from "../../test/server/cluster-helpers.ts";
import { type Child, startChild } from "../core/proc.ts";
import { bunPath } from "../core/serve.ts";
import { percentile } from "../core/stats.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

/**
 * C4 scale-out: command throughput and latency through two `serve` processes sharing a real redis-server
 * (robot on A, viewers on B), side by side in the same run with one process (robot and viewers on it) and
 * with two processes where robot and viewers share one (what being in a cluster costs by itself); and the
 * relay: an upload on A timed at a viewer on A and at a viewer on B. Throughput: 8 viewers keep up to 64
 * commands each unacknowledged; latency: commands one at a time, emit → robot socket.
 */
async function spawnServe(root: string, dataDir: string, redisUrl: string, nodeId: string): Promise<{ url: string; child: Child }> {
  // LETSROBOT_BENCH_CPU_PROF=DIR: a CPU profile of each serve process, written when it exits
  const profile = process.env.LETSROBOT_BENCH_CPU_PROF;
  const prof = profile ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profile}`] : [];
  const child = startChild([bunPath(), ...prof, join(root, "bench/core/cluster-child.ts"), dataDir, ...(redisUrl ? [redisUrl, nodeId] : [])]);
  const url = (await child.waitLine((l) => l.startsWith("http://"), 15_000)).trim();
  return { url, child };
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


const SETUPS = ["one process", "two processes, robot and viewers on A", "two processes, robot on A, viewers on B"] as const;

export const clusterSuite: Suite = {
  name: "cluster",
  description: "C4: commands and video through two `serve` processes on one Redis, vs one process",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const seconds = options.seconds ?? (options.smoke ? 1 : 3);
    const latencyCount = options.smoke ? 20 : 200;
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-bench-cluster-"));
    const redis = await startRedis();
    const children: Child[] = [];
    try {
      const store = openStore(dir);
      const made = store.ensureRobot({ name: "bench", owner: "bench" });
      store.close();
      const robot = { id: made.robot.id, key: made.secrets.robotKey };
      const single = await spawnServe(options.root, dir, "", "single");
      const a = await spawnServe(options.root, dir, redis.url, "node-a");
      const b = await spawnServe(options.root, dir, redis.url, "node-b");
      children.push(single.child, a.child, b.child);
      const where: Record<(typeof SETUPS)[number], [string, string]> = {
        "one process": [single.url, single.url],
        "two processes, robot and viewers on A": [a.url, a.url],
        "two processes, robot on A, viewers on B": [a.url, b.url],
      };
      const results = new Map<string, Round[]>(SETUPS.map((s) => [s, []]));
      const relays: RelayRound[] = [];
      for (let r = 0; r < rounds; r++) {
        // interleaved, so a noisy moment hits every setup alike
        for (const setup of SETUPS) {
          const [robotUrl, viewerUrl] = where[setup];
          const run = await round(robotUrl, viewerUrl, robot, seconds, latencyCount);
          options.log(`  ${setup.padEnd(42)} ${run.throughput.toFixed(0)} commands/s, lost ${run.lost}; latency p50 ${run.p50.toFixed(2)} p99 ${run.p99.toFixed(2)} ms`);
          results.get(setup)?.push(run);
        }
        relays.push(await relayRound(a.url, a.url, b.url, made.robot.cameraId, made.secrets.streamKey, options.smoke ? 50 : 200));
      }
      const of = (setup: (typeof SETUPS)[number], key: keyof Round) => (results.get(setup) ?? []).map((x) => x[key]);
      const one = { name: "one process", values: of("one process", "throughput") };
      const oneP50 = { name: "one process", values: of("one process", "p50") };
      const ratio = (setup: (typeof SETUPS)[number]) => of(setup, "throughput").map((v, i) => v / (one.values[i] ?? Number.NaN));
      const metrics: Metric[] = [
        { id: "C4", name: "throughput, two processes (robot A, viewers B) ÷ one process", unit: "×", values: ratio("two processes, robot on A, viewers on B"), target: { op: ">=", value: 0.8 } },
        { id: "C4", name: "throughput, two processes (robot and viewers on A) ÷ one process", unit: "×", values: ratio("two processes, robot and viewers on A"), target: { op: ">=", value: 0.8 } },
        { id: "C4", name: "commands/s, two processes (robot A, viewers B)", unit: "/s", values: of("two processes, robot on A, viewers on B", "throughput"), reference: one },
        { id: "C4", name: "commands/s, two processes (both on A)", unit: "/s", values: of("two processes, robot and viewers on A", "throughput"), reference: one },
        { id: "C4", name: "command latency p50, robot A, viewers B", unit: "ms", values: of("two processes, robot on A, viewers on B", "p50"), reference: oneP50 },
        { id: "C4", name: "commands lost, all setups", unit: "", values: [SETUPS.reduce((n, s) => n + of(s, "lost").reduce((x, y) => x + y, 0), 0)], target: { op: "<=", value: 0 } },
        { id: "C4-relay", name: "relay p50, viewer on B (through Redis)", unit: "ms", values: relays.map((x) => x.far.p50), reference: { name: "viewer on A", values: relays.map((x) => x.near.p50) } },
        { id: "C4-relay", name: "relay packets missing, viewer on B", unit: "", values: relays.map((x) => x.far.missing), target: { op: "<=", value: 0 } },
      ];
      return { metrics, details: { rounds: Object.fromEntries(results), relays, seconds, latency_commands: latencyCount }, notes: ["two processes on a 2-core machine share its cores with the load generator and redis-server"] };
    } finally {
      await Promise.all(children.map((c) => c.stop(5000)));
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
