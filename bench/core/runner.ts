import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describeMachine } from "./machine.ts";
import { killLeftovers, loadAverage, stopAll } from "./proc.ts";
import { isCompiled } from "./serve.ts";
import type { BenchRecord, RunRecord } from "./report.ts";
import type { BenchOptions, Suite } from "./types.ts";

/** Every benchmark by name, loaded only when run. Order = the order `bun run bench` runs them in. */
const suiteLoaders: Record<string, () => Promise<Suite>> = {
  startup: () => import("../suites/startup.ts").then((m) => m.startupSuite),
  latency: () => import("../suites/latency.ts").then((m) => m.latencySuite),
  encoder: () => import("../suites/encoder.ts").then((m) => m.encoderSuite),
  h264: () => import("../suites/h264.ts").then((m) => m.h264Suite),
  broadcast: () => import("../suites/broadcast.ts").then((m) => m.broadcastSuite),
  command: () => import("../suites/command.ts").then((m) => m.commandSuite),
  throughput: () => import("../suites/throughput.ts").then((m) => m.throughputSuite),
  handler: () => import("../suites/handler.ts").then((m) => m.handlerSuite),
  relay: () => import("../suites/relay.ts").then((m) => m.relaySuite),
  reconnect: () => import("../suites/reconnect.ts").then((m) => m.reconnectSuite),
  safety: () => import("../suites/safety.ts").then((m) => m.safetySuite),
  stall: () => import("../suites/stall.ts").then((m) => m.stallSuite),
  memory: () => import("../suites/memory.ts").then((m) => m.memorySuite),
  cluster: () => import("../suites/cluster.ts").then((m) => m.clusterSuite),
};

export const suiteNames = Object.keys(suiteLoaders);

/** The repository root (where bench/ lives); the compiled binary falls back to the working directory. */
export function repoRoot(): string {
  const here = resolve(import.meta.dir, "../..");
  return existsSync(join(here, "package.json")) ? here : process.cwd();
}

/** This binary when running compiled; else dist/letsrobot when it was built; else the CLI from source. */
export function defaultCli(root: string): string[] {
  if (isCompiled()) return [process.execPath];
  const binary = join(root, "dist/letsrobot");
  return existsSync(binary) ? [binary] : [process.execPath, join(root, "cli/main.ts")];
}

/** Longest any one benchmark may take before it is abandoned (its children are stopped); more rounds, more time. */
function budgetSeconds(options: BenchOptions): number {
  if (options.long) return 4000;
  if (options.smoke) return 60;
  return Math.round(400 * Math.max(1, (options.rounds ?? 3) / 3));
}

export async function runBenches(names: readonly string[], options: BenchOptions, signal?: AbortSignal): Promise<RunRecord> {
  const started = new Date();
  const t0 = performance.now();
  const machine = describeMachine({ cli: options.cli, chromium: options.chromium, root: options.root });
  const benches: BenchRecord[] = [];
  const onAbort = () => void stopAll();
  signal?.addEventListener("abort", onAbort, { once: true });
  for (const name of names) {
    if (signal?.aborted) break;
    const loader = suiteLoaders[name];
    if (!loader) throw new Error(`unknown benchmark ${name}; known: ${suiteNames.join(", ")}`);
    const suite = await loader();
    const begin = performance.now();
    const loadBefore = loadAverage();
    options.log(`▶ ${suite.name}: ${suite.description} (load ${loadBefore})`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const budget = budgetSeconds(options);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`did not finish within ${budget} s`)), budget * 1000);
      });
      const result = await Promise.race([suite.run(options), timeout]);
      benches.push({ name: suite.name, description: suite.description, seconds: (performance.now() - begin) / 1000, load: [loadBefore, loadAverage()], result });
    } catch (error) {
      options.log(`✗ ${suite.name}: ${(error as Error).stack ?? String(error)}`);
      benches.push({ name: suite.name, description: suite.description, seconds: (performance.now() - begin) / 1000, load: [loadBefore, loadAverage()], error: (error as Error).message ?? String(error) });
    } finally {
      clearTimeout(timer);
      await stopAll();
      await Bun.sleep(200); // children that are on their way out
      const leftovers = await killLeftovers();
      if (leftovers.length > 0) {
        const note = `left ${leftovers.length} child process(es) running, killed by the harness: ${leftovers.join("; ")}`;
        options.log(`  ${suite.name}: ${note}`);
        const record = benches.at(-1);
        if (record?.result) (record.result.notes ??= []).push(note);
        else if (record) record.error = `${record.error ?? ""} (${note})`;
      }
    }
    options.log(`  ${suite.name} took ${((performance.now() - begin) / 1000).toFixed(1)} s`);
  }
  signal?.removeEventListener("abort", onAbort);
  return { started: started.toISOString(), seconds: (performance.now() - t0) / 1000, mode: options.smoke ? "smoke" : options.long ? "long" : "default", machine, benches };
}
