import type { BenchOptions, Suite, SuiteResult } from "../core/types.ts";
import { numericRows, runBenchScript } from "./wrapped.ts";

/**
 * M1 robot memory: bench/soak.ts runs `letsrobot run` (video and audio off, so ffmpeg is excluded) against
 * a loopback socket.io server with fake commands and chat, sampling the robot's RSS. Default 45 s; --long
 * runs the hour of M1's goal (docs/performance.md). RSS median/min/max is over the samples after warm-up.
 */
export const memorySuite: Suite = {
  name: "memory",
  description: "M1: `letsrobot run` RSS under fake commands and chat (bench/soak.ts), ffmpeg excluded",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const seconds = options.seconds ?? (options.smoke ? 8 : options.long ? 3600 : 45);
    const sample = options.smoke ? 2 : options.long ? 30 : 5;
    const lines = await runBenchScript(options, "bench/soak.ts", ["--seconds", String(seconds), "--sample", String(sample), "--rate", "20"], (seconds + 60) * 1000);
    const rows = numericRows(lines); // t_s, rss_mb, commands, chats
    if (rows.length === 0) throw new Error(`bench/soak.ts printed no samples: ${lines.slice(-3).join(" | ")}`);
    const warm = Math.min(10, seconds / 3);
    const steady = rows.filter((r) => (r[0] as number) >= warm);
    const first = steady[0] ?? rows[0];
    const last = rows.at(-1);
    const growth = (last?.[1] ?? Number.NaN) - (first?.[1] ?? Number.NaN);
    const span = (last?.[0] ?? 0) - (first?.[0] ?? 0);
    options.log(`  ${lines.find((l) => l.startsWith("summary")) ?? ""}`);
    return {
      metrics: [
        { id: "M1", name: "robot RSS, steady (samples after warm-up)", unit: "MB", values: steady.map((r) => r[1] as number), target: { op: "<=", value: 80 } },
        { id: "M1", name: `RSS growth over ${span.toFixed(0)} s after warm-up`, unit: "MB", values: [growth], target: { op: "<=", value: 5 } },
      ],
      details: { seconds, sample_s: sample, commands: last?.[2], chats: last?.[3], samples: rows },
      notes: options.long ? [] : [`soak of ${seconds} s; M1 asks ≤ 5 MB growth over an hour (docs/performance.md): \`bun bench/run.ts memory --long\``],
    };
  },
};
