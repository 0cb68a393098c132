import { defineCommand } from "citty";
import { about } from "./about.ts";
import { type BenchPlan, parseBenchArgs, runBenchPlan } from "../bench/core/main.ts";
import { suiteNames } from "../bench/core/runner.ts";
import type { Deps } from "../lib/deps.ts";
import { LetsrobotError, UsageError } from "../lib/errors.ts";

/** `letsrobot bench [name]`: measure this machine against TARGETS.md and print the table (bench/run.ts for all). */
export function createBenchCommand(deps: Deps) {
  return defineCommand({
    meta: about.bench,
    args: {
      name: { type: "positional", required: false, description: `One benchmark: ${suiteNames.join(", ")}`, valueHint: "name" },
      smoke: { type: "boolean", description: "A few seconds per benchmark (checks the harness, numbers are rough)" },
      long: { type: "boolean", description: "The durations of TARGETS.md: 10-minute latency drift, 1-hour memory soak" },
      rounds: { type: "string", description: "Rounds per benchmark (default: each benchmark's own, usually 3)", valueHint: "n" },
      seconds: { type: "string", description: "Seconds per round where a benchmark runs for a time", valueHint: "s" },
      out: { type: "string", description: "Results directory (default bench/results)", valueHint: "dir" },
      chromium: { type: "string", description: "Chromium for the latency benchmark (default /usr/bin/chromium)", valueHint: "path" },
    },
    async run({ args }) {
      const argv = [
        ...(args.name ? [args.name] : []),
        ...(args.smoke ? ["--smoke"] : []),
        ...(args.long ? ["--long"] : []),
        ...(args.rounds ? ["--rounds", args.rounds] : []),
        ...(args.seconds ? ["--seconds", args.seconds] : []),
        ...(args.out ? ["--out", args.out] : []),
        ...(args.chromium ? ["--chromium", args.chromium] : []),
      ];
      let plan: BenchPlan;
      try {
        plan = parseBenchArgs(argv);
      } catch (error) {
        throw new UsageError((error as Error).message, "see `letsrobot bench --help`");
      }
      const { record, path } = await runBenchPlan(plan, { print: (line) => deps.out.text(line), log: (line) => deps.log.info(line) }, deps.shutdown);
      const failed = record.benches.filter((b) => b.error).map((b) => b.name);
      if (failed.length > 0) throw new LetsrobotError(`benchmark(s) failed: ${failed.join(", ")}`, `the errors are in ${path}; run again with --verbose`);
    },
  });
}
