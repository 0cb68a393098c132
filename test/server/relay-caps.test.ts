import { afterAll, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Platform } from "../../lib/server/platform.ts";
import { createRelay } from "../../lib/server/relay/relay.ts";
import { defaultButtons, defaultSettings, type RobotRecord } from "../../lib/server/store/robot-record.ts";
import type { ViewerSocket, WebSocketUpgrader } from "../../lib/server/relay/ws-server.ts";
import { quietLog, startTestPlatform, tempDataDir } from "./helpers.ts";

/**
 * The relay's caps. Accounting (the shared budget for bytes queued beyond each viewer's free share) is
 * checked in-process behind the WebSocketUpgrader interface, where a viewer that never flushes is exact;
 * the viewer caps over real websockets on 127.0.0.1.
 */
const robot: RobotRecord = { id: "1", cameraId: "2", name: "cam", owner: "o", requireKey: true, settings: defaultSettings, buttons: defaultButtons, createdAt: 0 };

/** A viewer socket that holds every frame (stalled) or flushes it at once (healthy). */
function fakeViewer(stalled: boolean) {
  const closers: (() => void)[] = [];
  const viewer = {
    received: 0,
    closed: false,
    socket: {
      send(chunk: Uint8Array, flushed: () => void) {
        viewer.received += chunk.length;
        if (!stalled) flushed();
      },
      bufferedAmount: 0,
      close: () => viewer.socket.terminate(),
      terminate() {
        if (viewer.closed) return;
        viewer.closed = true;
        for (const c of closers) c();
      },
      onClose: (handler: () => void) => closers.push(handler),
    } satisfies ViewerSocket,
  };
  return viewer;
}

function harness(options: { freeQueueBytes: number; maxBehindBytes: number; maxQueueBytes: number }) {
  let next: ReturnType<typeof fakeViewer> | undefined;
  const upgrader: WebSocketUpgrader = { upgrade: (_req, _socket, _head, onOpen) => next && onOpen(next.socket), close() {} };
  const relay = createRelay({ log: quietLog(), upgrader, stallMs: 60_000, maxViewersPerAddress: 0, ...options });
  const upload = Object.assign(new EventEmitter(), { destroy() {} }) as unknown as IncomingMessage;
  const response = { headersSent: false, writeHead: () => response, end: () => response } as unknown as ServerResponse;
  relay.ingest(upload, response, robot);
  const packet = new Uint8Array(188).fill(0xff);
  packet.set([0x47, 0x41, 0x00, 0x10, 0x00, 0x00, 0x01, 0xe0]);
  const chunk = Buffer.alloc(188 * 100);
  for (let i = 0; i < 100; i++) chunk.set(packet, i * 188);
  return {
    relay,
    connect(stalled: boolean) {
      next = fakeViewer(stalled);
      const req = { url: `/ws/stream/${robot.cameraId}/video`, socket: { remoteAddress: "127.0.0.1" } } as IncomingMessage;
      const raw = Object.assign(new EventEmitter(), { end() {} }) as unknown as Duplex;
      relay.upgrade(req, raw, Buffer.alloc(0), () => true);
      return next;
    },
    push: () => upload.emit("data", chunk),
    queued: () => relay.stats().flatMap((s) => s.viewers).reduce((n, v) => n + v.queued, 0),
  };
}

describe("relay memory caps", () => {
  test("stalled viewers share one budget beyond their free share; healthy viewers lose nothing; the total never passes the bound", () => {
    const limits = { freeQueueBytes: 64 * 1024, maxBehindBytes: 512 * 1024, maxQueueBytes: 256 * 1024 };
    const h = harness(limits);
    const stalled = Array.from({ length: 20 }, () => h.connect(true));
    const healthy = h.connect(false);
    const bound = 21 * limits.freeQueueBytes + limits.maxBehindBytes;
    let peak = 0;
    for (let i = 0; i < 250; i++) {
      h.push();
      peak = Math.max(peak, h.queued());
    }
    const pushed = 250 * 188 * 100;
    expect(peak).toBeLessThanOrEqual(bound);
    expect(peak).toBeGreaterThan(20 * limits.freeQueueBytes + limits.maxBehindBytes - 2 * 188 * 100); // the budget is used, not left idle
    expect(healthy.received).toBe(pushed);
    expect(Math.max(...stalled.map((v) => v.received))).toBeLessThanOrEqual(limits.maxQueueBytes);
    // without the shared budget, 20 stalled viewers would hold 20 × 256 KiB = 5 MiB
    expect(stalled.reduce((n, v) => n + v.received, 0)).toBeLessThanOrEqual(20 * limits.freeQueueBytes + limits.maxBehindBytes);
    // a viewer that leaves gives its share back at once: a new stalled viewer can queue past its free share again
    for (const v of stalled) v.socket.terminate();
    const late = h.connect(true);
    for (let i = 0; i < 50; i++) h.push();
    expect(late.received).toBeGreaterThan(limits.freeQueueBytes);
  });
});

describe("relay viewer caps over real websockets", () => {
  const dirs: { remove(): void }[] = [];
  const platforms: Platform[] = [];
  const open: WebSocket[] = [];
  afterAll(async () => {
    for (const ws of open) ws.close();
    for (const p of platforms) await p.close();
    for (const d of dirs) d.remove();
  });

  async function start(options: { viewersPerAddress?: number; maxRelayViewers?: number }) {
    const dir = tempDataDir();
    dirs.push(dir);
    const platform = await startTestPlatform(dir.dir, options);
    platforms.push(platform);
    const robot = await platform.ensureRobot({ name: "capped", owner: "olga" });
    const attempt = (kind = "video") =>
      new Promise<WebSocket | undefined>((resolve) => {
        const ws = new WebSocket(`${platform.url.replace("http", "ws")}/ws/stream/${robot.cameraId}/${kind}`);
        open.push(ws);
        ws.onopen = () => resolve(ws);
        ws.onerror = () => resolve(undefined);
      });
    return { platform, attempt };
  }

  test("one address gets at most viewers_per_address viewers, even in a burst of handshakes; a closed one frees its place", async () => {
    const { platform, attempt } = await start({ viewersPerAddress: 3 });
    const burst = await Promise.all(Array.from({ length: 10 }, () => attempt()));
    expect(burst.filter(Boolean).length).toBe(3);
    expect(await attempt("audio")).toBeUndefined(); // across streams too
    burst.find(Boolean)?.close();
    const deadline = Date.now() + 3000;
    let again: WebSocket | undefined;
    while (!again && Date.now() < deadline) again = await attempt();
    expect(again).toBeDefined();
    expect(platform.status().totals.stream_viewers).toBe(3);
  });

  test("the relay as a whole takes at most maxRelayViewers viewers (503 past it)", async () => {
    const { attempt } = await start({ viewersPerAddress: 0, maxRelayViewers: 4 });
    const first = await Promise.all(Array.from({ length: 4 }, () => attempt()));
    expect(first.every(Boolean)).toBe(true);
    expect(await attempt("audio")).toBeUndefined();
  });
});
