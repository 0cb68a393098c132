/**
 * The relay's worst-case memory (issue 17, finding 6): as many stalled viewers as the relay admits, each
 * holding every frame it is given (a viewer that never reads), while an upload pushes far more than they
 * can hold. Prints the relay's own count of queued bytes (the figure its caps bound) and the process's RSS
 * growth after a full GC (what stays held), per relay checkout, side by side:
 *
 *   bun bench/relay-memory.ts [viewers] [MiB pushed] [relay-root ...]
 *
 * e.g. `bun bench/relay-memory.ts 1000 512 . /tmp/before` (see bench/flood.ts for making /tmp/before).
 * Each checkout runs in its own child process, so RSS is not shared. In-process viewers behind the
 * WebSocketUpgrader interface keep kernel socket buffers (which are not the process's memory) out of it.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import type { Duplex } from "node:stream";

const child = process.argv[2] === "--child";
const args = process.argv.slice(child ? 3 : 2);
const viewers = Number(args[0] ?? 1000);
const pushedMiB = Number(args[1] ?? 512);

if (child) {
  const root = args[2] ?? ".";
  const { createRelay } = (await import(resolve(root, "lib/server/relay/relay.ts"))) as typeof import("../lib/server/relay/relay.ts");
  const { createLogger } = (await import(resolve(root, "lib/log.ts"))) as typeof import("../lib/log.ts");
  const held: Uint8Array[][] = [];
  let pending: ((socket: never) => void) | undefined;
  const upgrader = {
    upgrade: (_req: unknown, _socket: unknown, _head: unknown, onOpen: (socket: never) => void) => {
      pending = onOpen;
    },
    close() {},
  };
  // the per-address cap (where the checkout has one) is lifted: the measurement is of the total
  const relay = createRelay({ log: createLogger("silent"), upgrader, stallMs: 3_600_000, maxViewers: viewers, ...{ maxViewersPerAddress: 0, maxTotalViewers: viewers } });
  const { defaultSettings } = (await import(resolve(root, "lib/server/store/robot-record.ts"))) as typeof import("../lib/server/store/robot-record.ts");
  const robot = { id: "1", cameraId: "2", name: "cam", owner: "o", requireKey: true, settings: defaultSettings, buttons: [], createdAt: 0 };
  const connect = () => {
    const mine: Uint8Array[] = [];
    held.push(mine);
    relay.upgrade({ url: "/ws/stream/2/video", socket: { remoteAddress: "127.0.0.1" } } as IncomingMessage, Object.assign(new EventEmitter(), { end() {} }) as unknown as Duplex, Buffer.alloc(0), () => true);
    pending?.({ send: (chunk: Uint8Array) => void mine.push(chunk), bufferedAmount: 0, close() {}, terminate() {}, onClose() {} } as never);
  };
  const upload = Object.assign(new EventEmitter(), { destroy() {} }) as unknown as IncomingMessage;
  const response = { headersSent: false, writeHead: () => response, end: () => response } as unknown as ServerResponse;
  relay.ingest(upload, response, robot);
  const packet = new Uint8Array(188).fill(0xff);
  packet.set([0x47, 0x41, 0x00, 0x10, 0x00, 0x00, 0x01, 0xe0]);
  const chunkBytes = 188 * 348;
  const push = () => {
    // a fresh buffer per chunk, as an HTTP upload delivers them
    const chunk = Buffer.alloc(chunkBytes);
    for (let i = 0; i < 348; i++) chunk.set(packet, i * 188);
    upload.emit("data", chunk);
  };
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  const buffersBefore = process.memoryUsage().arrayBuffers;
  let peakCount = 0;
  let peakRss = 0;
  let peakBuffers = 0;
  /** After a full GC, so dropped frames waiting for collection are not counted as held. */
  const sample = () => {
    Bun.gc(true);
    peakCount = Math.max(peakCount, relay.stats().reduce((n, s) => n + s.viewers.reduce((m, v) => m + v.queued, 0), 0));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers);
  };
  // the worst case: viewers join one after another, so each stalls holding different frames
  const perViewer = Math.ceil((pushedMiB * 1024 * 1024) / chunkBytes / viewers);
  for (let i = 0; i < viewers; i++) {
    connect();
    for (let c = 0; c < perViewer; c++) push();
    if (i % 50 === 0) sample();
  }
  Bun.gc(true);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  process.stdout.write(`${JSON.stringify({ peakCountMiB: peakCount / 1048576, rssGrowthMiB: (peakRss - rssBefore) / 1048576, buffersMiB: (peakBuffers - buffersBefore) / 1048576, heldChunks: held.reduce((n, h) => n + h.length, 0) })}\n`);
  process.exit(0);
}

const roots = args.slice(2).length ? args.slice(2) : ["."];
console.log(`relay memory: ${viewers} stalled viewers that never read, ${pushedMiB} MiB pushed through one upload`);
for (const root of roots) {
  const run = Bun.spawn(["bun", import.meta.path, "--child", String(viewers), String(pushedMiB), resolve(root)], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(run.stdout).text();
  await run.exited;
  const r = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { peakCountMiB: number; rssGrowthMiB: number; buffersMiB: number };
  console.log(`  ${resolve(root)}: queued for viewers (the relay's count) peak ${r.peakCountMiB.toFixed(1)} MiB; frame buffers held ${r.buffersMiB.toFixed(1)} MiB; process RSS growth ${r.rssGrowthMiB.toFixed(1)} MiB`);
}
