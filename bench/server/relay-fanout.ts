// C2: relay fan-out. One upload at ~1 Mbit/s (MPEG-TS-shaped chunks carrying a sequence number, 30 per
// second like a 30 fps encoder) fanned out to N viewer websockets, some of them stalled on purpose (they
// never read). Prints the server's CPU, the added latency (POST write → viewer receipt) and the bytes
// queued per stalled viewer, side by side with the reference jsmpeg relay (jsmpeg-player/ws/websocket-relay.js)
// under the same load in the same run. Usage: bun bench/server/relay-fanout.ts [viewers] [stalled] [seconds] [runs]
import { request } from "node:http";
import { connect as tcpConnect, type Socket } from "node:net";
import { join } from "node:path";
import { cpuSeconds, percentile, startChild, summary } from "./measure.ts";

const [viewerCount = 500, stalledCount = 5, seconds = 10, runs = 3] = process.argv.slice(2).map(Number);
const chunkBytes = 188 * 22; // ≈ 4.1 kB × 30/s ≈ 1 Mbit/s

function chunk(seq: number): Uint8Array {
  const out = new Uint8Array(chunkBytes).fill(0xff);
  for (let i = 0; i < chunkBytes; i += 188) out.set([0x47, 0x41, 0x00, 0x10, 0x00, 0x00, 0x01, 0xe0], i);
  new DataView(out.buffer).setUint32(8, seq);
  return out;
}

interface Target {
  name: string;
  pid: number;
  ingestUrl: string;
  viewerUrl: string;
  /** host:port and path for the raw stalled viewers */
  wsPort: number;
  wsPath: string;
  maxQueued?: () => Promise<number>;
  stop(): Promise<void>;
}

async function ours(): Promise<Target> {
  const { child, url, port, robot } = await startChild();
  return {
    name: "letsrobot serve",
    pid: child.pid,
    ingestUrl: `${url}/${robot.streamKey}/640/480/`,
    viewerUrl: `${url.replace("http", "ws")}/ws/stream/${robot.cameraId}/video`,
    wsPort: port,
    wsPath: `/ws/stream/${robot.cameraId}/video`,
    maxQueued: async () => {
      const status = (await (await fetch(`${url}/api/status`)).json()) as { streams: { viewers: { queued: number }[] }[] };
      return Math.max(0, ...(status.streams[0]?.viewers ?? []).map((v) => v.queued));
    },
    stop: async () => {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

async function reference(): Promise<Target> {
  const httpPort = 20000 + Math.floor(Math.random() * 20000);
  const wsPort = httpPort + 1;
  const script = join(import.meta.dir, "../../node_modules/jsmpeg-player/ws/websocket-relay.js");
  const child = Bun.spawn([process.execPath, script, "benchsecret", String(httpPort), String(wsPort)], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${httpPort}/`).then(() => true, () => false);
    if (up) break;
    await Bun.sleep(50);
  }
  return {
    name: "reference jsmpeg relay",
    pid: child.pid,
    ingestUrl: `http://127.0.0.1:${httpPort}/benchsecret`,
    viewerUrl: `ws://127.0.0.1:${wsPort}/`,
    wsPort,
    wsPath: "/",
    stop: async () => {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

async function once(run: number, target: Target) {
  const sockets: WebSocket[] = [];
  const stalled: Socket[] = [];
  try {
    const sentAt: number[] = [];
    const latencies: number[] = [];
    const opened = Array.from({ length: viewerCount }, () => {
      const ws = new WebSocket(target.viewerUrl);
      ws.binaryType = "arraybuffer";
      ws.onmessage = (event) => {
        const seq = new DataView(event.data as ArrayBuffer).getUint32(8);
        const started = sentAt[seq];
        if (started !== undefined) latencies.push(performance.now() - started);
      };
      sockets.push(ws);
      return new Promise((resolve) => (ws.onopen = resolve));
    });
    await Promise.all(opened);
    for (let i = 0; i < stalledCount; i++) {
      const s = tcpConnect(target.wsPort, "127.0.0.1");
      stalled.push(s);
      s.write(`GET ${target.wsPath} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      await new Promise((resolve) => s.once("data", resolve));
      s.pause();
    }
    const upload = request(target.ingestUrl, { method: "POST", headers: { "transfer-encoding": "chunked" } });
    upload.on("error", () => {});
    upload.flushHeaders();
    const cpuBefore = cpuSeconds(target.pid);
    const started = performance.now();
    let seq = 0;
    let maxStalledQueue = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(async () => {
        sentAt[seq] = performance.now();
        upload.write(chunk(seq++));
        if (seq % 30 === 0 && target.maxQueued && !process.env.NO_STATUS) maxStalledQueue = Math.max(maxStalledQueue, await target.maxQueued());
        if (performance.now() - started > seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / 30);
    });
    const cpu = ((cpuSeconds(target.pid) - cpuBefore) / ((performance.now() - started) / 1000)) * 100;
    await Bun.sleep(300);
    upload.destroy();
    const sorted = latencies.sort((a, b) => a - b);
    const expected = seq * viewerCount;
    const result = { run, cpu, p50: percentile(sorted, 50), p99: percentile(sorted, 99), received: latencies.length, expected, maxStalledQueue };
    console.log(
      `${target.name} run ${run}: ${viewerCount} viewers (+${stalledCount} stalled), ${seq} chunks: server CPU ${cpu.toFixed(1)} % of one core; write→viewer p50 ${result.p50.toFixed(2)} ms p99 ${result.p99.toFixed(2)} ms; received ${latencies.length}/${expected}; max queued for one viewer ${target.maxQueued ? `${maxStalledQueue} bytes` : "not reported"}`,
    );
    return result;
  } finally {
    for (const ws of sockets) ws.close();
    for (const s of stalled) s.destroy();
    await target.stop();
  }
}

const ourRuns = [];
const refRuns = [];
for (let i = 1; i <= runs; i++) {
  ourRuns.push(await once(i, await ours()));
  refRuns.push(await once(i, await reference()));
}
for (const [name, pick, unit] of [
  ["server CPU", (r: Awaited<ReturnType<typeof once>>) => r.cpu, " % of one core"],
  ["p50 added latency", (r: Awaited<ReturnType<typeof once>>) => r.p50, " ms"],
  ["p99 added latency", (r: Awaited<ReturnType<typeof once>>) => r.p99, " ms"],
] as const) {
  const a = summary(ourRuns.map(pick));
  const b = summary(refRuns.map(pick));
  console.log(`${name}: ours median ${a.median.toFixed(2)}${unit} (min ${a.min.toFixed(2)}, max ${a.max.toFixed(2)}); reference median ${b.median.toFixed(2)}${unit}; ratio ${(a.median / b.median).toFixed(2)}`);
}
console.log(`max queued per viewer (ours): ${Math.max(...ourRuns.map((r) => r.maxStalledQueue))} bytes`);
