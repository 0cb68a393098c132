import { defaults } from "../../lib/config/schema.ts";
import { startBroadcast } from "../../lib/media/broadcast.ts";
import { toBroadcastPlan } from "../../lib/media/broadcast-plan.ts";
import { toStreamPlan } from "../../lib/media/plan.ts";
import { superviseStreams } from "../../lib/media/supervisor.ts";
import { socketUploader } from "../../lib/media/upload.ts";
import { createLogger } from "../../lib/log.ts";
import { nginxRtmpAvailable, startNginxRtmp } from "../../test/helpers/nginx-rtmp.ts";
import { startSink } from "../../test/media/sink.ts";
import { cpuSeconds } from "../core/proc.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

/**
 * The CPU cost of the Twitch broadcast: `letsrobot stream`'s supervisor at 640×480 30 fps (test pattern and
 * tone), relay only vs relay + broadcast (H.264 2500 kbit/s + AAC to nginx-rtmp on 127.0.0.1), alternating in
 * each round. CPU of both ffmpeg processes from /proc, and of this process (relay upload + RTMP publishing).
 */
interface Round {
  variant: "relay" | "relay+twitch";
  ffmpeg: number;
  letsrobot: number;
  twitchKbps?: number;
}

async function measure(variant: Round["variant"], ingest: string, seconds: number): Promise<Round> {
  const relay = startSink("bench"); // keeps what it receives: ~1 MB a second, dropped with the round
  const config = defaults();
  if (variant === "relay+twitch") Object.assign(config.twitch, { stream_key: "live_123456789_benchbenchbenchbenchbench", ingest });
  const broadcast = toBroadcastPlan(config);
  const target = { relayHost: "127.0.0.1", videoPort: relay.port, audioPort: relay.port, streamKey: "bench", xres: 640, yres: 480 };
  const log = createLogger("silent");
  const broadcaster = broadcast && startBroadcast(broadcast.target, { log });
  const supervisor = superviseStreams(toStreamPlan(config, target, {}, { broadcast }), { log, upload: socketUploader, broadcaster });
  try {
    const deadline = performance.now() + 15000;
    while (!(supervisor.status().video.running && supervisor.status().audio.running && (broadcaster?.status().running ?? true))) {
      if (performance.now() > deadline) throw new Error(`${variant}: streams not running after 15 s`);
      await Bun.sleep(100);
    }
    await Bun.sleep(2000); // encoders settle
    const pids = [supervisor.status().video.pid, supervisor.status().audio.pid] as number[];
    const ffmpegBefore = pids.map(cpuSeconds);
    const ownBefore = process.cpuUsage();
    const started = performance.now();
    await Bun.sleep(seconds * 1000);
    const wall = (performance.now() - started) / 1000;
    const ffmpeg = pids.reduce((sum, pid, i) => sum + (cpuSeconds(pid) - (ffmpegBefore[i] ?? 0)), 0);
    const own = process.cpuUsage(ownBefore);
    const restarts = supervisor.status().video.restarts + supervisor.status().audio.restarts;
    if (restarts > 0 || !Number.isFinite(ffmpeg)) throw new Error(`${variant}: ffmpeg restarted during the measurement`);
    return { variant, ffmpeg: (100 * ffmpeg) / wall, letsrobot: (100 * (own.user + own.system)) / 1e6 / wall, twitchKbps: broadcaster?.status().kbps };
  } finally {
    await supervisor.stop();
    await broadcaster?.stop();
    await relay.stop();
  }
}

export const broadcastSuite: Suite = {
  name: "broadcast",
  description: "CPU of relay only vs relay + Twitch broadcast (H.264 + AAC over RTMP to nginx-rtmp), 640×480 30 fps",
  async run(options: BenchOptions): Promise<SuiteResult> {
    if (!nginxRtmpAvailable()) throw new Error("nginx with libnginx-mod-rtmp is not installed (./scripts/setup.sh --test installs it)");
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const seconds = options.seconds ?? (options.smoke ? 3 : options.long ? 20 : 10);
    const nginx = await startNginxRtmp({ record: false });
    const results: Round[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const variant of ["relay", "relay+twitch"] as const) {
          const result = await measure(variant, nginx.ingest, seconds);
          results.push(result);
          options.log(`  round ${round} ${variant.padEnd(12)} ffmpeg ${result.ffmpeg.toFixed(1)} %  letsrobot ${result.letsrobot.toFixed(1)} %${result.twitchKbps ? `  twitch ${result.twitchKbps.toFixed(0)} kbit/s` : ""}`);
        }
      }
    } finally {
      await nginx.stop();
    }
    const of = (variant: Round["variant"], pick: (r: Round) => number) => results.filter((r) => r.variant === variant).map(pick);
    const metrics: Metric[] = [
      { id: "C1", name: "ffmpeg CPU (video + audio), relay + Twitch", unit: "% of a core", values: of("relay+twitch", (r) => r.ffmpeg), reference: { name: "relay only", values: of("relay", (r) => r.ffmpeg) } },
      { id: "C1", name: "letsrobot CPU (uploads + RTMP publish), relay + Twitch", unit: "% of a core", values: of("relay+twitch", (r) => r.letsrobot), reference: { name: "relay only", values: of("relay", (r) => r.letsrobot) } },
      { id: "C1", name: "total CPU, relay + Twitch", unit: "% of a core", values: of("relay+twitch", (r) => r.ffmpeg + r.letsrobot), reference: { name: "relay only", values: of("relay", (r) => r.ffmpeg + r.letsrobot) } },
    ];
    return { metrics, details: { rounds, seconds, per_round: results }, notes: [`CPU over ${seconds} s per variant per round, after 2 s of settling; H.264 by libx264 veryfast at 2500 kbit/s CBR`] };
  },
};
