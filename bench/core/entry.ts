import { type BenchPlan, parseBenchArgs, runBenchPlan } from "./main.ts";
import { stopAll } from "./proc.ts";
import { suiteNames } from "./runner.ts";

const usage = `usage: bun bench/run.ts [${suiteNames.join("|")} …] [--smoke | --long] [--rounds N] [--seconds N] [--cli PATH] [--chromium PATH] [--out DIR]`;

/** bench/run.ts: parse argv, run, print to stdout (progress to stderr); 0 ok, 1 a benchmark failed, 2 usage. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage);
    return 0;
  }
  let plan: BenchPlan;
  try {
    plan = parseBenchArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const onSignal = () => {
    console.error("interrupted: stopping the benchmark's children");
    void stopAll().then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const { record } = await runBenchPlan(plan, { print: (l) => console.log(l), log: (l) => console.error(l) });
    return record.benches.some((b) => b.error) ? 1 : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
