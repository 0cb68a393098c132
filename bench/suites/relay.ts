import { existsSync } from "node:fs";
import { request } from "node:http";
import { connect as tcpConnect, type Socket } from "node:net";
import { cpuMeter, epochMs, rssMb, waitUntil } from "../core/proc.ts";
import { percentile } from "../core/stats.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";
import { kernelQueuedBytes, ours, type RelayUnderTest, readTcpTable, reference, referenceRelayPath } from "./relay-targets.ts";

/**
 * C2 relay fan-out, side by side in the same run with the reference jsmpeg relay
 * (node_modules/jsmpeg-player/ws/websocket-relay.js, unmodified, under Node with `ws`):
 * - fan-out: one upload at 1 Mbit/s (30 MPEG-TS-shaped chunks a second, each carrying its sequence number)
 *   to N websocket viewers plus a few stalled ones (TCP connections that finish the upgrade and never read);
 *   relay CPU % of one core from /proc, p50/p99 added latency (upload write → viewer receipt), delivery;
 * - stall: the same stalled viewers under a 16 MB burst (more than the kernel's socket buffers absorb):
 *   bytes the relay holds per stalled viewer (ours: its own count; both: RSS growth / stalled viewers).
 * `letsrobot serve` runs as the compiled binary in its own process.
 */
const CHUNK = 188 * 22; // ≈ 4.1 kB × 30/s ≈ 1 Mbit/s
const STALLED = 5;

function chunk(seq: number, bytes = CHUNK): Uint8Array {
  const out = new Uint8Array(bytes).fill(0xff);
  for (let i = 0; i + 188 <= bytes; i += 188) out.set([0x47, i === 0 ? 0x41 : 0x01, 0x00, 0x10], i);
  out.set([0x00, 0x00, 0x01, 0xe0, 0x00, 0x00], 4); // PES start (video): the relay sniffs the kind from it
  new DataView(out.buffer).setUint32(12, seq);
  return out;
}

interface Load {
  sockets: WebSocket[];
  stalled: Socket[];
  latencies: number[];
  sentAt: number[];
  close(): void;
}

async function connectViewers(target: RelayUnderTest, viewers: number, stalledCount: number): Promise<Load> {
  const load: Load = { sockets: [], stalled: [], latencies: [], sentAt: [], close: () => {} };
  load.close = () => {
    for (const ws of load.sockets) ws.close();
    for (const s of load.stalled) s.destroy();
  };
  const opened: Promise<unknown>[] = [];
  for (let i = 0; i < viewers; i++) {
    const ws = new WebSocket(target.viewerUrl);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (event) => {
      const data = event.data as ArrayBuffer;
      if (data.byteLength < 16) return;
      const started = load.sentAt[new DataView(data).getUint32(12)];
      if (started !== undefined) load.latencies.push(epochMs() - started);
    };
    load.sockets.push(ws);
    opened.push(
      new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error(`viewer ${i} of ${target.name} could not connect`));
      }),
    );
    if (i % 50 === 49) await Promise.all(opened.slice(-50)); // do not flood the accept queue
  }
  await Promise.all(opened);
  for (let i = 0; i < stalledCount; i++) {
    const s = tcpConnect(target.wsPort, "127.0.0.1");
    load.stalled.push(s);
    s.on("error", () => {});
    s.write(`GET ${target.wsPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${btoa(`stalled-viewer-${i}`.padEnd(16, "x").slice(0, 16))}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await new Promise((resolve) => s.once("data", resolve));
    s.pause(); // never read again
  }
  return load;
}

function openUpload(url: string) {
  const upload = request(url, { method: "POST", headers: { "transfer-encoding": "chunked", "content-type": "video/mp2t" } });
  upload.on("error", () => {});
  upload.flushHeaders();
  return upload;
}

interface FanOut {
  cpu: number;
  p50: number;
  p99: number;
  delivered: number;
  rssMb: number;
}

async function fanOut(target: RelayUnderTest, viewers: number, seconds: number): Promise<FanOut> {
  const load = await connectViewers(target, viewers, STALLED);
  const upload = openUpload(target.ingestUrl);
  try {
    await Bun.sleep(200);
    const cpu = cpuMeter(target.pid);
    const total = Math.round(seconds * 30);
    const start = performance.now();
    for (let seq = 0; seq < total; seq++) {
      const wait = start + (seq * 1000) / 30 - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      load.sentAt[seq] = epochMs();
      upload.write(chunk(seq));
    }
    const used = cpu();
    await waitUntil(() => load.latencies.length >= total * viewers, 1000);
    return { cpu: used, p50: percentile(load.latencies, 50), p99: percentile(load.latencies, 99), delivered: (load.latencies.length / (total * viewers)) * 100, rssMb: rssMb(target.pid) };
  } finally {
    upload.destroy();
    load.close();
  }
}

interface StallResult {
  /** Bytes the relay accepted for a stalled viewer minus what the kernel holds for its connection (MiB, median). */
  heldMb: number;
  /** The relay's own count (ours only). */
  queuedMb?: number;
  rssGrowthMb: number;
}

/** Stalled viewers only, a 16 MB burst: what does the relay itself hold for each of them? */
async function stallBurst(target: RelayUnderTest): Promise<StallResult> {
  const load = await connectViewers(target, 1, STALLED);
  const upload = openUpload(target.ingestUrl);
  try {
    await Bun.sleep(300);
    const before = rssMb(target.pid);
    const big = 64 * 1024;
    for (let i = 0; i < 256; i++) {
      if (!upload.write(chunk(i, big))) await new Promise((resolve) => upload.once("drain", resolve));
      if (i % 16 === 15) await Bun.sleep(20);
    }
    await Bun.sleep(1000);
    const table = readTcpTable();
    const kernel = load.stalled.map((s) => kernelQueuedBytes(target.wsPort, s.localPort ?? 0, table));
    const own = target.overBound ? await target.overBound() : undefined;
    // bytes the relay accepted for a stalled viewer: everything uploaded, unless it dropped some (ours says how many)
    const accepted = own && own.length > 0 ? percentile(own.map((v) => v.sent), 50) : 256 * big;
    const MiB = 1024 ** 2;
    return { heldMb: (accepted - percentile(kernel, 50)) / MiB, queuedMb: own ? Math.max(0, ...own.map((v) => v.queued)) / MiB : undefined, rssGrowthMb: rssMb(target.pid) - before };
  } finally {
    upload.destroy();
    load.close();
  }
}

export const relaySuite: Suite = {
  name: "relay",
  description: "C2: relay fan-out to N viewers (5 stalled), letsrobot serve vs the reference jsmpeg relay under node, same run",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const seconds = options.seconds ?? (options.smoke ? 2 : 6);
    const main = options.smoke ? 50 : 500;
    const curve = options.smoke ? [] : [100, 300];
    const notes: string[] = [];
    const hasReference = existsSync(referenceRelayPath(options.root)) && Bun.which("node") !== null;
    if (!hasReference) notes.push("reference relay not run: needs node and node_modules/jsmpeg-player (run from the source tree)");
    const targets: [string, () => Promise<RelayUnderTest>][] = [["ours", () => ours(options.cli)]];
    if (hasReference) targets.push(["reference", () => reference(options.root)]);
    const runs: Record<string, FanOut[]> = { ours: [], reference: [] };
    const scaling: Record<string, unknown>[] = [];
    const stall: Record<string, StallResult[]> = { ours: [], reference: [] };
    const measure = async (make: () => Promise<RelayUnderTest>, viewers: number) => {
      const target = await make();
      try {
        const result = await fanOut(target, viewers, seconds);
        options.log(`  ${target.name.padEnd(34)} ${viewers} viewers (+${STALLED} stalled): CPU ${result.cpu.toFixed(1)} %, added latency p50 ${result.p50.toFixed(2)} p99 ${result.p99.toFixed(2)} ms, delivered ${result.delivered.toFixed(1)} %, RSS ${result.rssMb.toFixed(0)} MB`);
        return result;
      } finally {
        await target.stop();
      }
    };
    for (const viewers of curve) {
      for (const [which, make] of targets) scaling.push({ relay: which, viewers, ...(await measure(make, viewers)) });
    }
    for (let r = 0; r < rounds; r++) {
      for (const [which, make] of targets) runs[which]?.push(await measure(make, main));
    }
    // the bound must hold every time: `--long` repeats the burst 10 times (a fresh relay each time)
    const bursts = options.long ? 10 : 1;
    for (let b = 0; b < bursts; b++) {
      for (const [which, make] of targets) {
        const target = await make();
        try {
          const result = await stallBurst(target);
        stall[which]?.push(result);
          options.log(`  ${target.name.padEnd(34)} 16 MiB burst to ${STALLED} stalled viewers: held in the relay per viewer ${result.heldMb.toFixed(2)} MiB (accepted − kernel queues)${result.queuedMb !== undefined ? `, relay's own count ${result.queuedMb.toFixed(2)} MiB` : ""}, RSS growth ${result.rssGrowthMb.toFixed(1)} MB`);
        } finally {
          await target.stop();
        }
      }
    }
    const values = (which: string, key: keyof FanOut) => (runs[which] ?? []).map((r) => r[key]);
    const ref = (key: keyof FanOut) => (hasReference ? { name: "jsmpeg relay", values: values("reference", key) } : undefined);
    const metrics: Metric[] = [
      { id: "C2", name: `relay CPU, ${main} viewers + ${STALLED} stalled`, unit: "%", values: values("ours", "cpu"), target: { op: "<=", value: 50 }, reference: ref("cpu") },
      { id: "C2", name: `added latency p99, ${main} viewers`, unit: "ms", values: values("ours", "p99"), target: { op: "<=", value: 50 }, reference: ref("p99") },
      { id: "C2", name: `added latency p50, ${main} viewers`, unit: "ms", values: values("ours", "p50"), reference: ref("p50") },
      { id: "C2", name: "chunks delivered to live viewers", unit: "%", values: values("ours", "delivered"), reference: ref("delivered") },
      { id: "C2", name: "relay RSS after the run", unit: "MB", values: values("ours", "rssMb"), reference: ref("rssMb") },
      {
        id: "C2",
        name: "held per stalled viewer, 16 MiB burst (accepted − kernel queues)",
        unit: "MiB",
        values: (stall.ours ?? []).map((s) => s.heldMb),
        reference: hasReference ? { name: "jsmpeg relay", values: (stall.reference ?? []).map((s) => s.heldMb) } : undefined,
      },
      { id: "C2", name: "held per stalled viewer, relay's own count", unit: "MiB", values: (stall.ours ?? []).map((s) => s.queuedMb ?? Number.NaN), target: { op: "<=", value: 1 } },
      {
        id: "C2",
        name: `relay RSS growth, 16 MiB burst to ${STALLED} stalled viewers`,
        unit: "MB",
        values: (stall.ours ?? []).map((s) => s.rssGrowthMb),
        reference: hasReference ? { name: "jsmpeg relay", values: (stall.reference ?? []).map((s) => s.rssGrowthMb) } : undefined,
      },
    ];
    notes.push("held = bytes the relay accepted for a stalled viewer − the kernel's queues for that connection (/proc/net/tcp); it includes up to ~64 KiB our paused client read before pausing");
    notes.push("viewers run in the benchmark process (Bun), so load generator and relay share the 2 cores for both relays alike");
    return { metrics, details: { rounds, seconds, viewers: main, stalled: STALLED, scaling, runs, stall }, notes };
  },
};
