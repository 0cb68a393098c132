/**
 * Stream recovery (R3 in docs/performance.md: stall detected ≤ 3 s, video back at the relay ≤ 10 s), several rounds:
 *
 *   bun bench/media-recovery.ts [rounds=3]
 *
 * The real supervisor streams the 640x480 test pattern into a loopback TCP relay stand-in, then:
 *   - SIGSTOP: the ffmpeg child is frozen;
 *   - frozen relay: the relay stops reading every open connection (a blackhole for data; new ones are read);
 *   - relay restart: the relay is closed for 3 s and listens again on the same port.
 * For each: detected = fault → the supervisor has killed the stream and says why; back = fault (or relay
 * listening again) → first bytes of a new upload at the relay. Median [min–max] over rounds.
 */
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { defaults } from "../lib/config/schema.ts";
import { createLogger } from "../lib/log.ts";
import { toStreamPlan } from "../lib/media/plan.ts";
import { superviseStreams } from "../lib/media/supervisor.ts";
import { socketUploader } from "../lib/media/upload.ts";
import { summary } from "./media-probe.ts";

const rounds = Number(process.argv[2] ?? 3);

/** A relay stand-in counting bytes per connection; can freeze open connections, close and listen again. */
async function startRelay() {
  const sockets = new Set<Socket>();
  let frozen = false;
  let lastBytesAt = 0;
  let firstNewBytesAt: number | undefined;
  let since = Number.POSITIVE_INFINITY;
  const handler = (socket: Socket) => {
    const opened = performance.now();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.on("data", () => {
      lastBytesAt = performance.now();
      if (opened >= since && firstNewBytesAt === undefined) firstNewBytesAt = lastBytesAt;
    });
    if (frozen && opened < since) socket.pause();
  };
  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    bytesFlowing: () => performance.now() - lastBytesAt < 300,
    /** Watch for the first bytes on connections opened from now on. */
    mark() {
      since = performance.now();
      firstNewBytesAt = undefined;
    },
    newBytesAt: () => firstNewBytesAt,
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async listenAgain() {
      frozen = false;
      server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<number | undefined> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) return undefined;
    await Bun.sleep(20);
  }
  return performance.now();
}

type Fault = "SIGSTOP ffmpeg" | "frozen relay" | "relay restart";
const results = new Map<Fault, { detected: number[]; back: number[] }>();

async function round(fault: Fault): Promise<void> {
  const relay = await startRelay();
  const config = defaults();
  Object.assign(config.audio, { enabled: false });
  const plan = toStreamPlan(config, { relayHost: "127.0.0.1", videoPort: relay.port, audioPort: relay.port, streamKey: "bench", xres: 640, yres: 480 });
  const supervisor = superviseStreams(plan, { log: createLogger("silent"), upload: socketUploader });
  try {
    if ((await until(() => relay.bytesFlowing() && supervisor.status().video.running, 15000)) === undefined) throw new Error("the stream did not start");
    const before = supervisor.status().video.lastError;
    relay.mark();
    const t0 = performance.now();
    let listening = t0;
    if (fault === "SIGSTOP ffmpeg") process.kill(supervisor.status().video.pid as number, "SIGSTOP");
    if (fault === "frozen relay") relay.freeze();
    if (fault === "relay restart") {
      await relay.close();
      await Bun.sleep(3000);
      await relay.listenAgain();
      listening = performance.now();
    }
    // detected: the supervisor has killed the stalled ffmpeg and recorded why (before its backoff)
    const detected = fault === "relay restart" ? undefined : await until(() => supervisor.status().video.lastError !== before, 15000);
    const back = await until(() => relay.newBytesAt() !== undefined, 20000);
    const entry = results.get(fault) ?? { detected: [], back: [] };
    results.set(fault, entry);
    if (detected !== undefined) entry.detected.push(detected - t0);
    if (back !== undefined) entry.back.push((relay.newBytesAt() ?? back) - (fault === "relay restart" ? listening : t0));
    const shown = (v: number | undefined, from: number) => (v === undefined ? "-" : `${((v - from) / 1000).toFixed(2)} s`);
    console.log(`${fault.padEnd(16)} detected ${shown(detected, t0).padStart(7)}  back ${shown(relay.newBytesAt(), fault === "relay restart" ? listening : t0).padStart(7)}  (${supervisor.status().video.lastError ?? ""})`);
  } finally {
    await supervisor.stop();
    await relay.close();
  }
}

console.log(`stream recovery: ${rounds} rounds, 640x480@30 test pattern, stall window 2.5 s, backoff 0.5–5 s`);
for (let r = 1; r <= rounds; r++) for (const fault of ["SIGSTOP ffmpeg", "frozen relay", "relay restart"] as const) await round(fault);

const range = (values: number[]) => {
  if (values.length === 0) return "-";
  const s = summary(values);
  return `${(s.median / 1000).toFixed(2)} s [${(s.min / 1000).toFixed(2)}–${(s.max / 1000).toFixed(2)}]`;
};
console.log(`\nR3 (median [min–max] over ${rounds} rounds)  targets: detected ≤ 3 s, back ≤ 10 s`);
console.log(`${"fault".padEnd(16)}${"detected".padEnd(26)}back at the relay`);
for (const [fault, { detected, back }] of results) console.log(`${fault.padEnd(16)}${range(detected).padEnd(26)}${range(back)}${fault === "relay restart" ? " (from listening again)" : ""}`);
