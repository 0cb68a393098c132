import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, epochMs, startChild } from "../core/proc.ts";
import { readBarcodeSource } from "./barcode.ts";

/**
 * headless Chromium playing the relay's stream with jsmpeg (the player and options of the viewer page), or
 * H.264 with the page's WebCodecs player, reading the barcode off the canvas as each picture is decoded and reporting (n, decode time) over a
 * websocket to a page server of ours on 127.0.0.1. No browser automation library: the page reports by itself.
 */
export interface BrowserSink {
  decodedAt: Map<number, number>;
  misreads: number;
  reportLagMs: number[];
  /** Animation frames the page got in each second (epoch ms, count): jsmpeg decodes at most one picture per frame. */
  animationFrames: { at: number; count: number }[];
}

const emptySink = (): BrowserSink => ({ decodedAt: new Map(), misreads: 0, reportLagMs: [], animationFrames: [] });

export interface BrowserViewer {
  /** Current sink for (n → page time); swap per round. */
  sink: BrowserSink;
  renderer(): string;
  close(): Promise<void>;
}

/**
 * The catch-up variant: jsmpeg decodes at most one picture per animation frame, so a page that gets fewer
 * animation frames than the stream has pictures falls behind for good. This patch decodes every complete
 * picture waiting (up to 10) on each animation frame instead.
 */
const catchUpPatch = `
  player.updateForStreaming = function () {
    for (let i = 0; i < 10 && this.video.decode(); i++) {}
  };`;

/**
 * The H.264 players of the viewer page: its demuxer and decoder scripts from serve, fed by a websocket.
 * WebCodecs (the page is on 127.0.0.1, a secure context): the barcode is read as each frame is drawn. MSE:
 * the <video> that takes the canvas's place, read as each frame is presented (requestVideoFrameCallback).
 */
export type H264Path = "webcodecs" | "mse";
const h264Player = (videoUrl: string, path: H264Path) => `
  const decoder = LetsrobotStream.${path === "mse" ? "createMseVideo" : "createWebCodecsVideo"}(canvas, decoded);
  const demuxer = LetsrobotStream.createTsDemuxer(() => {}, (pes) => decoder.push(pes));
  const socket = new WebSocket(${JSON.stringify(videoUrl)});
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => demuxer.push(new Uint8Array(event.data));
  const player = {};`;

const jsmpegPlayer = (videoUrl: string, catchUp: boolean) => `
  const player = new JSMpeg.Player(${JSON.stringify(videoUrl)}, {
    canvas, audio: false, pauseWhenHidden: false, preserveDrawingBuffer: true, reconnectInterval: 1, videoBufferSize: 1024 * 1024,
    onVideoDecode: decoded,
  });
  ${catchUp ? catchUpPatch : ""}`;

function page(scripts: string[], videoUrl: string, reportUrl: string, catchUp: boolean, h264?: H264Path): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>letsrobot latency bench</title></head>
<body style="margin:0;background:#000"><canvas id="v" width="640" height="480"></canvas>
${scripts.map((src) => `<script src="${src}"></script>`).join("\n")}
<script>
${readBarcodeSource}
const canvas = document.getElementById("v");
const band = document.createElement("canvas");
band.width = 640; band.height = 64;
const ctx = band.getContext("2d", { willReadFrequently: true });
const now = () => performance.timeOrigin + performance.now();
const report = new WebSocket(${JSON.stringify(reportUrl)});
function decoded() {
  const t = now();
  ctx.drawImage(document.querySelector("video") || canvas, 0, 0, 640, 64, 0, 0, 640, 64);
  const px = ctx.getImageData(0, 0, 640, 64).data;
  const n = readBarcode((x, y) => px[(y * 640 + x) * 4 + 1]);
  report.send(n + " " + t);
}
report.onopen = () => {
  ${h264 ? h264Player(videoUrl, h264) : jsmpegPlayer(videoUrl, catchUp)}
  let frames = 0;
  const tick = () => { frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  setInterval(() => { report.send("raf " + frames + " " + now()); frames = 0; }, 1000);
  report.send("ready " + (player.renderer && player.renderer.gl ? "webgl" : "canvas2d") + " " + (${JSON.stringify(h264 ?? "")} || (player.video && player.video.instance ? "wasm" : "js")));
};
</script></body></html>`;
}

/** `jsmpegUrl` plays MPEG-1 with jsmpeg; `h264` (the viewer page's scripts and a path) plays H.264 with WebCodecs or MSE. */
export async function startBrowserViewer(options: { chromium: string; jsmpegUrl?: string; h264?: { scripts: string[]; path: H264Path }; videoUrl: string; catchUp?: boolean; timeoutMs?: number }): Promise<BrowserViewer> {
  let ready: (what: string) => void = () => {};
  const isReady = new Promise<string>((resolve) => {
    ready = resolve;
  });
  const viewer: BrowserViewer = { sink: emptySink(), renderer: () => rendererName, close: async () => {} };
  let rendererName = "?";
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request, srv) {
      const path = new URL(request.url).pathname;
      if (path === "/report" && srv.upgrade(request)) return undefined;
      if (path === "/") {
        const scripts = options.h264?.scripts ?? (options.jsmpegUrl ? [options.jsmpegUrl] : []);
        const html = page(scripts, options.videoUrl, `ws://127.0.0.1:${srv.port}/report`, options.catchUp === true, options.h264?.path);
        return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
      }
      return new Response("not found", { status: 404 });
    },
    websocket: {
      message(_ws, message) {
        const text = String(message);
        if (text.startsWith("ready")) {
          rendererName = text.slice(6);
          ready(rendererName);
          return;
        }
        if (text.startsWith("raf ")) {
          const [, count, at] = text.split(" ").map(Number) as [number, number, number];
          viewer.sink.animationFrames.push({ at, count });
          return;
        }
        const received = epochMs();
        const [n, t] = text.split(" ").map(Number) as [number, number];
        const sink = viewer.sink;
        if (n < 0) sink.misreads++;
        else if (!sink.decodedAt.has(n)) {
          sink.decodedAt.set(n, t);
          sink.reportLagMs.push(received - t);
        }
      },
    },
  });
  const profile = mkdtempSync(join(tmpdir(), "letsrobot-bench-chromium-"));
  let chromium: Child | undefined;
  try {
    chromium = startChild([
      options.chromium,
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-background-timer-throttling", "--disable-renderer-backgrounding", `--user-data-dir=${profile}`, `http://127.0.0.1:${server.port}/`,
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Chromium did not load the benchmark page within ${options.timeoutMs ?? 20_000} ms: ${chromium?.stderr().slice(-400)}`)), options.timeoutMs ?? 20_000);
    });
    await Promise.race([isReady, timeout]).finally(() => clearTimeout(timer));
  } catch (error) {
    await chromium?.stop(1000);
    server.stop(true);
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  viewer.close = async () => {
    await chromium?.stop(2000);
    server.stop(true);
    rmSync(profile, { recursive: true, force: true });
  };
  return viewer;
}
