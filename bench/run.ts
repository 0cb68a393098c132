/**
 * The benchmark suite (its metrics and goals are explained in docs/performance.md): `bun run bench` runs
 * every benchmark with short defaults (under 10 minutes on a 2-core machine); `bun bench/run.ts latency
 * relay` runs some; `--long` uses the durations of the goals (10-minute drift, 1-hour soak); `--smoke` runs
 * each for a few seconds.
 * Prints a table (metric, target, median/min/max over rounds, met?, reference measured side by side) and
 * writes bench/results/<date>-<name>.json and bench/results/latest.json.
 */
import { main } from "./core/entry.ts";

// exit explicitly: a benchmark that left a timer or socket behind must not keep the run alive
process.exit(await main(process.argv.slice(2)));
