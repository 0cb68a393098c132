import { existsSync } from "node:fs";
import { join } from "node:path";
import { startChild } from "../core/proc.ts";
import { bunPath } from "../core/serve.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

/**
 * L2 encoder hold and C1 encoder CPU: runs the media engineer's bench/media.ts (raw frames on stdin, picture
 * decodable on stdout; /proc CPU of the video and audio encoders) and reads its per-round lines.
 * Side by side: ffmpeg's default MPEG-TS flags (hold), and ffmpeg POSTing directly (vs letsrobot's POST).
 */
export interface EncoderRound {
  round: number;
  variant: string;
  p50: number;
  p99: number;
  videoCpu?: number;
  audioCpu?: number;
}

/** One per-round line of bench/media.ts, or undefined (pure). */
export function parseEncoderLine(line: string): EncoderRound | undefined {
  const m = /^round (\d+)\s+(.+?)\s+hold p50\s+(\S+) ms\s+p99\s+(\S+) ms.*?(?:video CPU\s+(\S+) %(?:\s+audio CPU\s+(\S+) %)?)?\s*$/.exec(line);
  if (!m) return undefined;
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  return { round: Number(m[1]), variant: (m[2] ?? "").trim(), p50: Number(m[3]), p99: Number(m[4]), videoCpu: num(m[5]), audioCpu: num(m[6]) };
}

export const encoderSuite: Suite = {
  name: "encoder",
  description: "L2/C1: encoder hold (frame in → picture decodable) and encoder CPU, via bench/media.ts",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const script = join(options.root, "bench/media.ts");
    if (!existsSync(script)) throw new Error("bench/media.ts not found (needs the source tree)");
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const cpuSeconds = options.smoke ? 4 : options.long ? 20 : 8;
    const holdSeconds = options.seconds ?? (options.smoke ? 3 : options.long ? 10 : 5);
    const child = startChild([bunPath(), script, String(rounds), String(cpuSeconds), String(holdSeconds)]);
    const exited = await child.child.exited;
    await Bun.sleep(50);
    if (exited !== 0) throw new Error(`bench/media.ts exited with ${exited}: ${child.stderr().slice(-500)}`);
    const parsed = child.lines.map(parseEncoderLine).filter((r): r is EncoderRound => r !== undefined);
    for (const line of child.lines.filter((l) => l.startsWith("round "))) options.log(`  ${line}`);
    const of = (variant: string) => parsed.filter((r) => r.variant.startsWith(variant));
    const ours = of("ours, stdout");
    const plain = of("ffmpeg defaults");
    const viaPost = of("ours via letsrobot POST");
    const direct = of("ffmpeg POSTs directly");
    if (ours.length === 0) throw new Error(`no per-round lines from bench/media.ts: ${child.lines.slice(-5).join(" | ")}`);
    const metrics: Metric[] = [
      { id: "L2", name: "encoder hold p99 (stream plan flags)", unit: "ms", values: ours.map((r) => r.p99), target: { op: "<=", value: 45 }, reference: { name: "ffmpeg default flags", values: plain.map((r) => r.p99) } },
      { id: "L2", name: "encoder hold p50 (stream plan flags)", unit: "ms", values: ours.map((r) => r.p50), reference: { name: "ffmpeg default flags", values: plain.map((r) => r.p50) } },
      { id: "L2", name: "hold + letsrobot POST to a relay, p99", unit: "ms", values: viaPost.map((r) => r.p99), reference: { name: "ffmpeg POSTs itself", values: direct.map((r) => r.p99) } },
      {
        id: "C1",
        name: "video encoder CPU, 640×480@30 MPEG-1",
        unit: "%",
        values: ours.map((r) => r.videoCpu ?? Number.NaN),
        target: { op: "<=", value: 5 },
        reference: plain.some((r) => r.videoCpu !== undefined) ? { name: "ffmpeg default flags", values: plain.map((r) => r.videoCpu ?? Number.NaN) } : undefined,
        ratioGoal: { op: "<=", value: 1.1 },
      },
      { id: "C1", name: "audio encoder CPU, 44.1 kHz mono MP2", unit: "%", values: ours.map((r) => r.audioCpu ?? Number.NaN), target: { op: "<=", value: 2 } },
    ];
    return { metrics, details: { rounds, cpu_seconds: cpuSeconds, hold_seconds: holdSeconds, per_round: parsed }, notes: [`CPU measured over ${cpuSeconds - 3} s per round (--long: 20 s)`] };
  },
};
