import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { request } from "node:http";
import { connect as tcpConnect, type Socket } from "node:net";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { type Pusher, pushTestStream } from "./ffmpeg.ts";
import { startTestPlatform, tempDataDir, until } from "./helpers.ts";

const data = tempDataDir();
const pushers: Pusher[] = [];
const sockets: (WebSocket | Socket)[] = [];
let platform: Platform;
let robot: RobotCredentials;
let other: RobotCredentials;

beforeAll(async () => {
  platform = await startTestPlatform(data.dir, { viewerStallMs: 60_000 });
  robot = await platform.ensureRobot({ name: "cam", owner: "olga" });
  other = await platform.ensureRobot({ name: "other", owner: "olga" });
});

afterAll(async () => {
  for (const p of pushers) p.stop();
  for (const s of sockets) s instanceof WebSocket ? s.close() : s.destroy();
  await platform.close();
  data.remove();
});

/** A viewer websocket that counts what it receives. */
function watch(cameraId: string, kind: "video" | "audio" | "both") {
  const ws = new WebSocket(`${platform.url.replace("http", "ws")}/ws/stream/${cameraId}${kind === "both" ? "" : `/${kind}`}`);
  ws.binaryType = "arraybuffer";
  sockets.push(ws);
  const got = { bytes: 0, first: undefined as Uint8Array | undefined, misaligned: 0, pes: new Set<number>() };
  ws.onmessage = (event) => {
    const chunk = new Uint8Array(event.data as ArrayBuffer);
    got.first ??= chunk;
    got.bytes += chunk.length;
    // every frame is whole TS packets; note which PES stream ids start in it
    if (chunk.length % 188 !== 0) got.misaligned++;
    for (let at = 0; at + 188 <= chunk.length; at += 188) {
      if (chunk[at] !== 0x47) got.misaligned++;
      const payload = at + 4 + (((chunk[at + 3] ?? 0) & 0x20) !== 0 ? 1 + (chunk[at + 4] ?? 0) : 0);
      if (((chunk[at + 1] ?? 0) & 0x40) !== 0 && chunk[payload] === 0 && chunk[payload + 1] === 0 && chunk[payload + 2] === 1) got.pes.add(chunk[payload + 3] ?? 0);
    }
  };
  const open = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("viewer websocket failed"));
  });
  return { ws, got, open };
}

const ingestUrl = (key: string, base = platform.url) => `${base}/${key}/640/480/`;

/** A viewer that completes the websocket handshake and then never reads. */
async function stalledViewer(port: number, cameraId: string): Promise<Socket> {
  const stalled = tcpConnect(port, "127.0.0.1");
  sockets.push(stalled);
  await new Promise<void>((resolve) => stalled.once("connect", () => resolve()));
  stalled.write(`GET /ws/stream/${cameraId}/video HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await new Promise<void>((resolve) => stalled.once("data", () => resolve()));
  stalled.pause();
  return stalled;
}

/** POST `total` bytes of MPEG-TS-shaped video as fast as the relay takes them; `beforeChunk` may hold the next write back. */
async function pump(url: string, total: number, beforeChunk: (sent: number) => void | Promise<void> = () => {}): Promise<void> {
  const packet = new Uint8Array(188).fill(0xff);
  packet.set([0x47, 0x41, 0x00, 0x10, 0x00, 0x00, 0x01, 0xe0]);
  const chunk = new Uint8Array(188 * 348);
  for (let i = 0; i < 348; i++) chunk.set(packet, i * 188);
  const req = request(url, { method: "POST", headers: { "transfer-encoding": "chunked" } });
  const answered = new Promise<void>((resolve, reject) => {
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve());
    });
    req.on("error", reject);
  });
  for (let sent = 0; sent < total; sent += chunk.length) {
    await beforeChunk(sent);
    if (!req.write(chunk)) await new Promise((resolve) => req.once("drain", resolve));
  }
  req.end();
  await answered;
}

const streamOf = (cameraId: string, kind: string) => platform.status().streams.find((s) => s.camera_id === cameraId && s.kind === kind);

describe("relay", () => {
  test("real ffmpeg video and audio on one port reach the right viewers, in whole TS packets", async () => {
    const video = watch(robot.cameraId, "video");
    const audio = watch(robot.cameraId, "audio");
    const both = watch(robot.cameraId, "both");
    await Promise.all([video.open, audio.open, both.open]);
    pushers.push(pushTestStream("video", ingestUrl(robot.streamKey)), pushTestStream("audio", ingestUrl(robot.streamKey)));
    await until(() => video.got.pes.has(0xe0) && audio.got.pes.has(0xc0) && both.got.pes.size === 2, 10_000, "video and audio at the viewers");
    expect([...video.got.pes]).toEqual([0xe0]);
    expect([...audio.got.pes]).toEqual([0xc0]);
    expect([video.got.misaligned, audio.got.misaligned, both.got.misaligned]).toEqual([0, 0, 0]);
    expect(streamOf(robot.cameraId, "video")).toMatchObject({ live: true, transmitters: 1 });
    expect(streamOf(robot.cameraId, "audio")).toMatchObject({ live: true, transmitters: 1 });
    const status = platform.status();
    expect(status.totals.bytes_in).toBeGreaterThan(0);
    expect(status.totals.stream_viewers).toBe(4); // video, audio, and the combined viewer on both
  });

  test("a wrong stream key gets 403 and not one byte reaches viewers", async () => {
    const viewer = watch(other.cameraId, "video");
    await viewer.open;
    const response = await fetch(ingestUrl("not-the-key"), { method: "POST", body: new Uint8Array(188 * 10).fill(0x47) });
    expect(response.status).toBe(403);
    const wrong = pushTestStream("video", ingestUrl(`${other.streamKey.slice(0, -1)}x`), { seconds: 5 });
    pushers.push(wrong);
    const result = await wrong.done;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/403|Broken pipe|reset/i); // ffmpeg reads the answer only at the end; the relay hangs up at once
    expect(viewer.got.bytes).toBe(0);
    expect(streamOf(other.cameraId, "video")?.bytes_in ?? 0).toBe(0);
  });

  test("a restarted ffmpeg with the right key replaces the old upload", async () => {
    const viewer = watch(other.cameraId, "video");
    await viewer.open;
    const first = pushTestStream("video", ingestUrl(other.streamKey));
    pushers.push(first);
    await until(() => viewer.got.bytes > 10_000, 10_000, "first upload flowing");
    const second = pushTestStream("video", ingestUrl(other.streamKey));
    pushers.push(second);
    const ended = await first.done; // the relay drops the old transmitter
    expect(ended.code).not.toBe(0);
    const before = viewer.got.bytes;
    await until(() => viewer.got.bytes > before + 10_000, 10_000, "second upload flowing");
    expect(streamOf(other.cameraId, "video")).toMatchObject({ live: true, transmitters: 2 });
    second.stop();
  });

  test("a stalled viewer is bounded: its queue never passes 1 MiB while a healthy viewer keeps up", async () => {
    const cameraId = robot.cameraId;
    await stalledViewer(platform.port, cameraId);
    const healthy = watch(cameraId, "video");
    await healthy.open;
    for (const p of pushers) p.stop();
    let maxQueued = 0;
    let maxBuffered = 0; // the websocket library's own count, as a cross-check
    const sample = () => {
      const viewers = streamOf(cameraId, "video")?.viewers ?? [];
      for (const v of viewers) {
        maxQueued = Math.max(maxQueued, v.queued);
        maxBuffered = Math.max(maxBuffered, v.buffered);
      }
    };
    const total = 24 * 1024 * 1024;
    const start = healthy.got.bytes;
    // the healthy viewer lives in this process: give it time to read, so it is never the slow one
    await pump(ingestUrl(robot.streamKey), total, async (sent) => {
      sample();
      while (sent - (healthy.got.bytes - start) > 256 * 1024) await Bun.sleep(1);
    });
    sample();
    const viewers = streamOf(cameraId, "video")?.viewers ?? [];
    const stalledStats = viewers.reduce((a, b) => (b.dropped > a.dropped ? b : a));
    console.log(`stalled viewer: max queued ${maxQueued} bytes (library buffered ${maxBuffered}), dropped ${stalledStats.dropped} bytes, sent ${stalledStats.sent}; healthy viewer got ${healthy.got.bytes - start} bytes of ${total}`);
    expect(maxQueued).toBeLessThanOrEqual(1024 * 1024);
    expect(maxBuffered).toBeLessThanOrEqual(1024 * 1024);
    expect(stalledStats.dropped).toBeGreaterThan(total / 2);
    // the stalled viewer holds nobody back: the healthy one gets every byte
    await until(() => healthy.got.bytes - start >= total, 10_000, "healthy viewer received the whole stream");
    expect(stalledStats.sent).toBeLessThan(total / 4);
    expect(Math.min(...viewers.map((v) => v.dropped))).toBe(0); // the healthy viewer lost nothing
  }, 30_000);

  test("viewers past the per-stream cap are refused with 503; unknown cameras with 404", async () => {
    const extra = tempDataDir();
    const capped = await startTestPlatform(extra.dir, { maxStreamViewers: 2 });
    try {
      const creds = await capped.ensureRobot({ name: "capped", owner: "olga" });
      const base = `${capped.url.replace("http", "ws")}/ws/stream`;
      const attempt = (path: string) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`${base}/${path}`);
          sockets.push(ws);
          ws.onopen = () => resolve("open");
          ws.onerror = () => resolve("refused");
        });
      expect(await attempt(`${creds.cameraId}/video`)).toBe("open");
      expect(await attempt(`${creds.cameraId}/video`)).toBe("open");
      expect(await attempt(`${creds.cameraId}/video`)).toBe("refused");
      expect(await attempt(`${creds.cameraId}/audio`)).toBe("open");
      expect(await attempt("1234/video")).toBe("refused");
      expect(capped.status().streams.find((s) => s.kind === "video")?.viewers.length).toBe(2);
    } finally {
      await capped.close();
      extra.remove();
    }
  });

  test("a viewer that stays behind the bound is disconnected", async () => {
    const extra = tempDataDir();
    const strict = await startTestPlatform(extra.dir, { maxViewerQueueBytes: 64 * 1024, viewerStallMs: 100 });
    try {
      const creds = await strict.ensureRobot({ name: "strict", owner: "olga" });
      await stalledViewer(strict.port, creds.cameraId);
      const viewers = () => strict.status().streams.find((s) => s.camera_id === creds.cameraId)?.viewers.length ?? 0;
      expect(viewers()).toBe(1);
      const started = Date.now();
      while (viewers() > 0 && Date.now() - started < 10_000) await pump(ingestUrl(creds.streamKey, strict.url), 8 * 1024 * 1024);
      expect(viewers()).toBe(0);
    } finally {
      await strict.close();
      extra.remove();
    }
  }, 30_000);
});
