import { join } from "node:path";
import { formatNotes, formatResults, type RunRecord, writeResults } from "./report.ts";
import { defaultCli, repoRoot, runBenches, suiteNames } from "./runner.ts";
import type { BenchOptions } from "./types.ts";

/** What `bun run bench` was asked to do, validated. */
export interface BenchPlan {
  names: string[];
  smoke: boolean;
  long: boolean;
  rounds?: number;
  seconds?: number;
  cli?: string[];
  chromium?: string;
  /** Results directory (default bench/results). */
  out?: string;
}

/** Parse `[name…] [--smoke] [--long] [--rounds N] [--seconds N] [--cli PATH] [--chromium PATH] [--out DIR]`. */
export function parseBenchArgs(argv: readonly string[]): BenchPlan {
  const plan: BenchPlan = { names: [], smoke: false, long: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  const positive = (text: string, flag: string) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, not ${JSON.stringify(text)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--smoke") plan.smoke = true;
    else if (arg === "--long") plan.long = true;
    else if (arg === "--rounds") plan.rounds = Math.round(positive(value(i++, arg), arg));
    else if (arg === "--seconds") plan.seconds = positive(value(i++, arg), arg);
    else if (arg === "--cli") plan.cli = [value(i++, arg)];
    else if (arg === "--chromium") plan.chromium = value(i++, arg);
    else if (arg === "--out") plan.out = value(i++, arg);
    else if (arg.startsWith("--")) throw new Error(`unknown flag ${arg}`);
    else plan.names.push(arg);
  }
  for (const name of plan.names) if (!suiteNames.includes(name)) throw new Error(`unknown benchmark ${JSON.stringify(name)}; known: ${suiteNames.join(", ")}`);
  if (plan.smoke && plan.long) throw new Error("--smoke and --long exclude each other");
  return plan;
}

/** Run the plan, print the table (and notes) with `print`, write the JSON results; returns the record and path. */
export async function runBenchPlan(plan: BenchPlan, io: { print: (line: string) => void; log: (line: string) => void }, signal?: AbortSignal): Promise<{ record: RunRecord; path: string }> {
  const root = repoRoot();
  const options: BenchOptions = {
    smoke: plan.smoke,
    long: plan.long,
    rounds: plan.rounds,
    seconds: plan.seconds,
    cli: plan.cli ?? defaultCli(root),
    root,
    chromium: plan.chromium ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    log: io.log,
  };
  const names = plan.names.length > 0 ? plan.names : suiteNames;
  const record = await runBenches(names, options, signal);
  const m = record.machine;
  io.print(`letsrobot ${m.letsrobot ?? "?"} (${m.commit ?? "?"}) on ${m.cpu}, ${m.cores} cores, ${m.memory_gb} GB, Linux ${m.kernel}, load ${m.load_1m}`);
  io.print(`bun ${m.bun}, node ${m.node ?? "-"}, ${m.ffmpeg ?? "no ffmpeg"}, ${m.chromium ?? "no chromium"}; mode ${record.mode}; ${record.seconds.toFixed(0)} s`);
  io.print("");
  io.print(formatResults(record.benches));
  io.print("");
  io.print(`load average (1 min) at the start and end of each benchmark: ${record.benches.map((b) => `${b.name} ${b.load?.join("→") ?? "?"}`).join(", ")}`);
  const notes = formatNotes(record.benches);
  if (notes.length > 0) {
    io.print("");
    for (const note of notes) io.print(`- ${note}`);
  }
  const path = writeResults(plan.out ?? join(root, "bench/results"), record, names.length === suiteNames.length ? "all" : names.join("+"));
  io.print("");
  io.print(`results: ${path}`);
  return { record, path };
}
