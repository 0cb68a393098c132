import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, defaults } from "../../lib/config/schema.ts";
import { videoOutputArgs } from "../../lib/media/plan.ts";
import { startServe } from "../core/serve.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";
import { startBrowserViewer } from "./browser-viewer.ts";
import { type PathStats, pathStats } from "./latency.ts";
import { FPS, HEIGHT, startSender, testFrames, WIDTH } from "./video-loop.ts";

/**
 * MPEG-1 (jsmpeg) against H.264 (WebCodecs), side by side at 640×480 30 fps, each with the stream plan's own
 * encoder arguments (lib/media/plan.ts; libx264 for H.264 on this machine):
 *   - quality: the same clip of ffmpeg's moving test pattern encoded at a ladder of bitrates, decoded, and
 *     compared with the source by ffmpeg's `ssim` filter; bitrates are what the MPEG-TS files really take;
 *   - bitrate at equal quality: the H.264 bitrate (interpolated on the ladder, log scale) that matches
 *     MPEG-1's SSIM at the default 1000 kbit/s;
 *   - encoder CPU: user + system seconds per second of video, i.e. % of one core at 30 fps;
 *   - glass-to-glass: the barcode loop of the latency benchmark through `letsrobot serve` into headless
 *     Chromium, jsmpeg for MPEG-1 and the viewer page's WebCodecs and MSE players for H.264, in turn.
 */
const MPEG1_LADDER = [500, 1000, 2000];
const H264_LADDER = [100, 200, 300, 400, 600, 1000];
const REFERENCE_KBPS = 1000;

type Format = "mpeg1" | "h264";
interface Encoded {
  format: Format;
  nominal: number;
  kbps: number;
  ssim: number;
  cpu: number;
}

function videoConfig(format: Format, kbps: number): Config["video"] {
  return { ...defaults().video, format, bitrate_kbps: kbps, encoder: "libx264" };
}

const rawInput = (file: string) => ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", `${WIDTH}x${HEIGHT}`, "-framerate", String(FPS), "-i", file];

/** Encode the raw clip with the plan's arguments; CPU from the process's own resource usage. */
function encode(dir: string, raw: string, seconds: number, format: Format, kbps: number): { file: string; kbps: number; cpu: number } {
  const file = join(dir, `${format}-${kbps}.ts`);
  const output = videoOutputArgs(videoConfig(format, kbps), `scale=${WIDTH}:${HEIGHT}`).slice(0, -1);
  const run = Bun.spawnSync(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", ...rawInput(raw), ...output, "-y", file], { stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`ffmpeg ${format} ${kbps}k failed: ${run.stderr.toString().slice(-300)}`);
  const cpu = run.resourceUsage ? (Number(run.resourceUsage.cpuTime.user) + Number(run.resourceUsage.cpuTime.system)) / 1e6 : Number.NaN;
  return { file, kbps: (statSync(file).size * 8) / 1000 / seconds, cpu: (cpu / seconds) * 100 };
}

/** SSIM (all planes) of the decoded file against the raw source, frames aligned from their first. */
function ssim(file: string, raw: string): number {
  const graph = "[0:v]setpts=PTS-STARTPTS[a];[1:v]setpts=PTS-STARTPTS[b];[a][b]ssim";
  const run = Bun.spawnSync(["ffmpeg", "-hide_banner", "-nostdin", "-i", file, ...rawInput(raw), "-lavfi", graph, "-f", "null", "-"], { stderr: "pipe" });
  const match = / All:([0-9.]+)/.exec(run.stderr.toString());
  if (!match) throw new Error(`no SSIM for ${file}: ${run.stderr.toString().slice(-300)}`);
  return Number(match[1]);
}

/** The bitrate at which the ladder reaches `target` SSIM, interpolating log(bitrate) (pure). */
export function bitrateAt(ladder: readonly { kbps: number; ssim: number }[], target: number): number {
  const points = [...ladder].sort((a, b) => a.kbps - b.kbps);
  for (let i = 1; i < points.length; i++) {
    const lo = points[i - 1] as { kbps: number; ssim: number };
    const hi = points[i] as { kbps: number; ssim: number };
    if (target >= lo.ssim && target <= hi.ssim && hi.ssim > lo.ssim) {
      const f = (target - lo.ssim) / (hi.ssim - lo.ssim);
      return Math.exp(Math.log(lo.kbps) + f * (Math.log(hi.kbps) - Math.log(lo.kbps)));
    }
  }
  return Number.NaN;
}

export const h264Suite: Suite = {
  name: "h264",
  description: "MPEG-1 vs H.264 at 640×480 30 fps: bitrate at equal SSIM, SSIM at equal bitrate, encoder CPU, glass-to-glass (jsmpeg vs WebCodecs and MSE)",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const seconds = options.seconds ?? (options.smoke ? 4 : 8);
    const clipSeconds = options.smoke ? 2 : 10;
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-bench-h264-"));
    const raw = join(dir, "source.yuv");
    const ladder: Encoded[] = [];
    const cpu = { mpeg1: [] as number[], h264: [] as number[] };
    const latency = { mpeg1: [] as PathStats[], webcodecs: [] as PathStats[], mse: [] as PathStats[] };
    const notes: string[] = [];
    try {
      writeFileSync(raw, Buffer.concat(testFrames(clipSeconds * FPS)));
      const ladders: [Format, number[]][] = [
        ["mpeg1", options.smoke ? [REFERENCE_KBPS] : MPEG1_LADDER],
        ["h264", options.smoke ? [100, 300, 1000] : H264_LADDER],
      ];
      for (const [format, list] of ladders) {
        for (const nominal of list) {
          const done = encode(dir, raw, clipSeconds, format, nominal);
          ladder.push({ format, nominal, kbps: done.kbps, ssim: ssim(done.file, raw), cpu: done.cpu });
          const row = ladder.at(-1) as Encoded;
          options.log(`  ${format} ${nominal}k: ${row.kbps.toFixed(0)} kbit/s in MPEG-TS, SSIM ${row.ssim.toFixed(4)}, encoder ${row.cpu.toFixed(1)} % of a core`);
        }
      }
      const of = (format: Format, nominal: number) => ladder.find((e) => e.format === format && e.nominal === nominal) as Encoded;
      const reference = of("mpeg1", REFERENCE_KBPS);
      const h264Ladder = ladder.filter((e) => e.format === "h264");
      const matched = bitrateAt(h264Ladder, reference.ssim);
      const h264Kbps = Number.isFinite(matched) ? Math.max(50, Math.round(matched / 10) * 10) : Math.round(REFERENCE_KBPS / 3);
      options.log(`  H.264 matches MPEG-1 ${REFERENCE_KBPS}k (SSIM ${reference.ssim.toFixed(4)}) at ${matched.toFixed(0)} kbit/s: ${((matched / reference.kbps) * 100).toFixed(0)} % of MPEG-1's ${reference.kbps.toFixed(0)} kbit/s`);

      // encoder CPU per round, at the two settings compared for latency
      const serve = await startServe(options.cli);
      try {
        const ingestUrl = `${serve.url}/${serve.robot.streamKey}/640/480/`;
        const videoUrl = `${serve.url.replace(/^http/, "ws")}/ws/stream/${serve.robot.cameraId}/video`;
        const frames = testFrames(30);
        for (let r = 0; r < rounds; r++) {
          cpu.mpeg1.push(encode(dir, raw, clipSeconds, "mpeg1", REFERENCE_KBPS).cpu);
          cpu.h264.push(encode(dir, raw, clipSeconds, "h264", h264Kbps).cpu);
          for (const player of ["mpeg1", "webcodecs", "mse"] as const) {
            const format: Format = player === "mpeg1" ? "mpeg1" : "h264";
            const scripts = ["ts-demux", "h264", "fmp4", "mse"].map((name) => `${serve.url}/assets/${name}.js`);
            const viewer = await startBrowserViewer(
              player === "mpeg1" ? { chromium: options.chromium, jsmpegUrl: `${serve.url}/assets/jsmpeg.min.js`, videoUrl } : { chromium: options.chromium, h264: { scripts, path: player }, videoUrl },
            );
            try {
              await Bun.sleep(300);
              const sender = startSender(ingestUrl, frames, seconds, videoConfig(format, format === "h264" ? h264Kbps : REFERENCE_KBPS));
              await sender.done;
              // the first decodable picture is the first key frame (1 s GOP): skip 1.5 s of start-up
              const stats = pathStats(sender.sentAt, (n) => viewer.sink.decodedAt.get(n), Math.min(Math.round(1.5 * FPS), Math.floor((seconds * FPS) / 3)));
              latency[player].push(stats);
              options.log(`  round ${r + 1} ${format === "h264" ? `H.264 ${h264Kbps}k` : `MPEG-1 ${REFERENCE_KBPS}k`} (${viewer.renderer()}): p50 ${stats.p50.toFixed(1)} p95 ${stats.p95.toFixed(1)} ms, ${stats.delivered.toFixed(0)} % of frames`);
            } finally {
              await viewer.close();
            }
          }
        }
      } finally {
        await serve.stop();
      }

      const h264At = (nominal: number) => h264Ladder.find((e) => e.nominal === nominal);
      const pick = (list: PathStats[], key: "p50" | "p95") => list.map((s) => s[key]);
      const metrics: Metric[] = [
        { id: "V1", name: `H.264 bitrate at MPEG-1 ${REFERENCE_KBPS}k's SSIM (${reference.ssim.toFixed(4)})`, unit: "kbit/s", values: [matched], reference: { name: "MPEG-1", values: [reference.kbps] } },
        { id: "V1", name: "H.264 / MPEG-1 bitrate at equal SSIM", unit: "%", values: [(matched / reference.kbps) * 100], target: { op: "<=", value: 33.3 } },
        { id: "V2", name: `SSIM at ${REFERENCE_KBPS} kbit/s, H.264`, unit: "", values: [h264At(REFERENCE_KBPS)?.ssim ?? Number.NaN], reference: { name: "MPEG-1", values: [reference.ssim] } },
        { id: "V3", name: `encoder CPU, H.264 ${h264Kbps}k (libx264) vs MPEG-1 ${REFERENCE_KBPS}k`, unit: "% of a core", values: cpu.h264, reference: { name: "MPEG-1", values: cpu.mpeg1 } },
        { id: "V4", name: `glass-to-glass p50, H.264 ${h264Kbps}k WebCodecs`, unit: "ms", values: pick(latency.webcodecs, "p50"), reference: { name: "MPEG-1 jsmpeg", values: pick(latency.mpeg1, "p50") } },
        { id: "V4", name: `glass-to-glass p95, H.264 ${h264Kbps}k WebCodecs`, unit: "ms", values: pick(latency.webcodecs, "p95"), reference: { name: "MPEG-1 jsmpeg", values: pick(latency.mpeg1, "p95") } },
        { id: "V4", name: `glass-to-glass p50, H.264 ${h264Kbps}k MSE (plain http)`, unit: "ms", values: pick(latency.mse, "p50"), reference: { name: "MPEG-1 jsmpeg", values: pick(latency.mpeg1, "p50") } },
        { id: "V4", name: `glass-to-glass p95, H.264 ${h264Kbps}k MSE (plain http)`, unit: "ms", values: pick(latency.mse, "p95"), reference: { name: "MPEG-1 jsmpeg", values: pick(latency.mpeg1, "p95") } },
      ];
      if (h264At(300) && of("mpeg1", 500)) {
        metrics.push({ id: "V2", name: "SSIM, H.264 at 300k vs MPEG-1 at 500k", unit: "", values: [h264At(300)?.ssim ?? Number.NaN], reference: { name: "MPEG-1 500k", values: [of("mpeg1", 500).ssim] } });
      }
      notes.push("source: ffmpeg's testsrc2 (synthetic, moving); a camera picture compresses differently", "the Raspberry Pi's hardware encoder (h264_v4l2m2m) cannot be measured on this machine");
      return { metrics, details: { clip_seconds: clipSeconds, latency_seconds: seconds, h264_kbps_for_latency: h264Kbps, ladder }, notes };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
