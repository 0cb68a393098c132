import type { BenchOptions, Suite, SuiteResult } from "../core/types.ts";
import { numericRows, runBenchScript } from "./wrapped.ts";

/**
 * R2 reconnect after a server restart: bench/soak-reconnect.ts keeps `letsrobot run` up while the platform
 * is stopped (down 0.2–2 s) and started again on the same port, N times; per restart the time from
 * "listening again" to "robot identified" and to "a viewer's command reached the robot".
 */
export const reconnectSuite: Suite = {
  name: "reconnect",
  description: "R2: platform restarts under a running robot (bench/soak-reconnect.ts)",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const restarts = options.rounds ?? (options.smoke ? 2 : options.long ? 30 : 8);
    const lines = await runBenchScript(options, "bench/soak-reconnect.ts", ["--restarts", String(restarts)], restarts * 20_000 + 60_000);
    const rows = numericRows(lines); // restart, down_ms, identified_ms, command_ms
    if (rows.length === 0) throw new Error(`bench/soak-reconnect.ts printed no restarts: ${lines.slice(-3).join(" | ")}`);
    for (const r of rows) options.log(`  restart ${r[0]}: down ${r[1]} ms, identified after ${r[2]} ms, command flowing after ${r[3]} ms`);
    const flowing = rows.map((r) => r[3] as number);
    return {
      metrics: [
        { id: "R2", name: "listening again → commands flowing, per restart", unit: "ms", values: flowing, target: { op: "<=", value: 2000 } },
        { id: "R2", name: "worst restart", unit: "ms", values: [Math.max(...flowing)], target: { op: "<=", value: 6000 } },
        { id: "R2", name: "listening again → robot identified", unit: "ms", values: rows.map((r) => r[2] as number) },
      ],
      details: { restarts: rows },
      notes: ["median/min/max over restarts (each restart is one round)"],
    };
  },
};
