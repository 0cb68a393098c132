import { type Config, defaults } from "../../lib/config/schema.ts";
import { type Attempt, startAttempt } from "../../lib/media/ingest.ts";
import { FFMPEG_GLOBAL, videoOutputArgs } from "../../lib/media/plan.ts";
import { socketUploader } from "../../lib/media/upload.ts";
import { type GroupChild, type GroupSpawner, spawnGroup } from "../../lib/process/group.ts";
import { eachChunk, epochMs, startChild } from "../core/proc.ts";
import { BAND_HEIGHT, barcodeFilters, readBarcode } from "./barcode.ts";

/**
 * The sending and the ffmpeg-decoding ends of the software video loop: raw frames written to the stream
 * plan's ffmpeg at 30 fps (send time of frame n recorded), its MPEG-TS POSTed by letsrobot's own ingest code
 * to the relay; an ffmpeg decoder on a relay websocket; a tap that notes when each picture arrives whole.
 */
export const WIDTH = 640;
export const HEIGHT = 480;
export const FPS = 30;

/** `count` distinct yuv420p frames of ffmpeg's moving test pattern (the camera picture under the barcode). */
export function testFrames(count: number): Uint8Array[] {
  const out = Bun.spawnSync(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}`, "-frames:v", String(count), "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: 30_000,
  });
  const bytes = new Uint8Array(out.stdout);
  const size = (WIDTH * HEIGHT * 3) / 2;
  const frames = Array.from({ length: Math.floor(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  if (frames.length === 0) throw new Error(`ffmpeg made no test frames: ${new TextDecoder().decode(out.stderr).slice(-300)}`);
  return frames;
}

/** The stream plan's encoder argv (lib/media/plan.ts) on raw frames from stdin, barcode drawn after scaling. */
function encoderArgv(video: Config["video"] = defaults().video): string[] {
  const rawIn = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", `${WIDTH}x${HEIGHT}`, "-framerate", String(FPS), "-i", "pipe:0"];
  return [...FFMPEG_GLOBAL, ...rawIn, ...videoOutputArgs(video, `scale=${WIDTH}:${HEIGHT},${barcodeFilters()}`)];
}

export interface Sender {
  /** Epoch ms at which frame n was handed to ffmpeg. */
  sentAt: number[];
  /** Resolves when all frames were written and the stream was stopped. */
  done: Promise<void>;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Start ffmpeg through letsrobot's ingest (the same POST `letsrobot stream` makes) and feed it `seconds`
 * of frames in real time. `pause` lets a caller freeze the feed (nothing is sent while it returns true).
 */
export function startSender(ingestUrl: string, frames: Uint8Array[], seconds: number, video?: Config["video"]): Sender {
  let child: GroupChild | undefined;
  const spawn: GroupSpawner = (argv, options) => {
    child = spawnGroup(argv, { ...options, stdin: "pipe" });
    return child;
  };
  const argv = encoderArgv(video);
  const attempt: Attempt = startAttempt({ kind: "video", source: "barcode frames", argv, url: ingestUrl }, ingestUrl, { spawn, upload: socketUploader }, { progress: () => {}, line: () => {}, bytes: () => {} });
  const running = child as unknown as GroupChild;
  const stdin = running.stdin;
  if (!stdin) throw new Error("ffmpeg was started without stdin");
  const sentAt: number[] = [];
  let stopped = false;
  const total = Math.round(seconds * FPS);
  const done = (async () => {
    const start = performance.now() + 100;
    for (let n = 0; n < total && !stopped; n++) {
      const wait = start + (n * 1000) / FPS - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      sentAt[n] = epochMs();
      try {
        stdin.write(frames[n % frames.length] as Uint8Array);
        await stdin.flush();
      } catch {
        break; // ffmpeg went away
      }
    }
    await Bun.sleep(400); // let the last pictures through
    await attempt.stop();
  })();
  return {
    sentAt,
    done,
    pid: attempt.pid,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** A viewer websocket that notes when each video PES (one picture, PES length written) has fully arrived. */
export function startTap(viewerUrl: string): { arrivedAt: number[]; close(): void; opened: Promise<void> } {
  const arrivedAt: number[] = [];
  let rest = new Uint8Array(0);
  let need = 0;
  let got = 0;
  const ws = new WebSocket(viewerUrl);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (event) => {
    const t = epochMs();
    const chunk = new Uint8Array(event.data as ArrayBuffer);
    const bytes = new Uint8Array(rest.length + chunk.length);
    bytes.set(rest);
    bytes.set(chunk, rest.length);
    let at = 0;
    for (; at + 188 <= bytes.length; at += 188) {
      if (bytes[at] !== 0x47) continue;
      const b1 = bytes[at + 1] as number;
      if ((((b1 & 0x1f) << 8) | (bytes[at + 2] as number)) !== 0x100) continue;
      const afc = ((bytes[at + 3] as number) >> 4) & 3;
      if (!(afc & 1)) continue;
      const start = at + 4 + (afc === 3 ? 1 + (bytes[at + 4] as number) : 0);
      if (b1 & 0x40) {
        need = ((((bytes[start + 4] as number) << 8) | (bytes[start + 5] as number)) || 0) + 6;
        got = 0;
      }
      if (need === 0) continue;
      got += at + 188 - start;
      if (got >= need) {
        arrivedAt.push(t);
        need = 0;
      }
    }
    rest = bytes.slice(at);
  };
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`tap: cannot open ${viewerUrl}`));
  });
  return { arrivedAt, opened, close: () => ws.close() };
}

/** An ffmpeg decoding the relay's websocket (for machines without a browser); decodedAt[n] per barcode. */
export function startFfmpegViewer(viewerUrl: string): { decodedAt: Map<number, number>; misreads: () => number; opened: Promise<void>; close(): Promise<void> } {
  const decoder = startChild(
    [
      "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-fflags", "nobuffer+noparse+nofillin", "-flags", "low_delay", "-probesize", "32", "-analyzeduration", "0",
      "-threads", "1", "-f", "mpegts", "-i", "pipe:0", "-map", "0:v:0", "-vf", `crop=${WIDTH}:${BAND_HEIGHT}:0:0`, "-fps_mode", "passthrough",
      "-f", "rawvideo", "-pix_fmt", "gray", "-flush_packets", "1", "pipe:1",
    ],
    { stdin: "pipe", rawStdout: true },
  );
  const decodedAt = new Map<number, number>();
  let misreads = 0;
  const frameBytes = WIDTH * BAND_HEIGHT;
  let buffer = new Uint8Array(0);
  void eachChunk(decoder.child.stdout, (chunk) => {
    const t = epochMs();
    const joined = new Uint8Array(buffer.length + chunk.length);
    joined.set(buffer);
    joined.set(chunk, buffer.length);
    let at = 0;
    for (; at + frameBytes <= joined.length; at += frameBytes) {
      const base = at;
      const n = readBarcode((x, y) => joined[base + y * WIDTH + x] as number);
      if (n < 0) misreads++;
      else if (!decodedAt.has(n)) decodedAt.set(n, t);
    }
    buffer = joined.slice(at);
  });
  const ws = new WebSocket(viewerUrl);
  ws.binaryType = "arraybuffer";
  const stdin = decoder.child.stdin;
  ws.onmessage = (event) => {
    try {
      stdin?.write(new Uint8Array(event.data as ArrayBuffer));
      void stdin?.flush();
    } catch {
      // decoder gone
    }
  };
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`ffmpeg viewer: cannot open ${viewerUrl}`));
  });
  return {
    decodedAt,
    misreads: () => misreads,
    opened,
    async close() {
      ws.close();
      await decoder.stop(1000);
    },
  };
}
