import { percentile } from "../core/stats.ts";
import type { BenchOptions, Suite, SuiteResult } from "../core/types.ts";

/**
 * S1 CLI start-up: wall time of `letsrobot --version` (spawn → exit), a farm of runs per round, median per
 * round. Side by side: spawning /bin/true, the floor of starting any process from here.
 */
async function timeRun(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await child.exited;
  clearTimeout(timer);
  if (child.exitCode !== 0) throw new Error(`${argv.join(" ")} exited with ${child.exitCode}`);
  return performance.now() - t0;
}

async function farm(argv: string[], runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeRun(argv));
  return times;
}

export const startupSuite: Suite = {
  name: "startup",
  description: "S1: `letsrobot --version` start-up, compiled binary (vs spawning /bin/true)",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 5);
    const runs = options.smoke ? 5 : 40;
    const argv = [...options.cli, "--version"];
    const check = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    const printed = new TextDecoder().decode(check.stdout).trim();
    if (check.exitCode !== 0 || !/^\d+\.\d+\.\d+/.test(printed)) throw new Error(`${argv.join(" ")} did not print a version (exit ${check.exitCode}): ${printed.slice(0, 80)}`);
    await farm(argv, 3); // warm the page cache
    const ours: number[] = [];
    const floor: number[] = [];
    const p90: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const mine = await farm(argv, runs);
      const trues = await farm(["/bin/true"], runs);
      ours.push(percentile(mine, 50));
      p90.push(percentile(mine, 90));
      floor.push(percentile(trues, 50));
      options.log(`  round ${r + 1}: --version median ${ours.at(-1)?.toFixed(1)} ms (p90 ${p90.at(-1)?.toFixed(1)}), /bin/true ${floor.at(-1)?.toFixed(2)} ms`);
    }
    const compiled = !/\.ts$/.test(options.cli.at(-1) ?? "");
    return {
      metrics: [
        { id: "S1", name: "start-up, `--version` median", unit: "ms", values: ours, target: { op: "<=", value: 50 }, reference: { name: "/bin/true", values: floor } },
        { id: "S1-p90", name: "start-up, `--version` p90", unit: "ms", values: p90 },
      ],
      details: { runs_per_round: runs, cli: options.cli.join(" "), compiled },
      notes: compiled ? [] : ["dist/letsrobot not built: measured the CLI from source (run `bun run build` first)"],
    };
  },
};
