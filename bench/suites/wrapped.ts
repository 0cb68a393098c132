import { existsSync } from "node:fs";
import { join } from "node:path";
import { startChild } from "../core/proc.ts";
import { bunPath } from "../core/serve.ts";
import type { BenchOptions } from "../core/types.ts";

/**
 * Run another engineer's bench script (bun bench/<file> …) to its end, in its own process group, and return
 * its stdout lines. `--binary` is passed when the CLI under test is the compiled binary.
 */
export async function runBenchScript(options: BenchOptions, file: string, args: string[], timeoutMs: number): Promise<string[]> {
  const script = join(options.root, file);
  if (!existsSync(script)) throw new Error(`${file} not found (needs the source tree)`);
  const binary = options.cli.length === 1 ? ["--binary", options.cli[0] as string] : [];
  const child = startChild([bunPath(), script, ...args, ...binary]);
  const timer = setTimeout(() => void child.stop(2000), timeoutMs);
  const code = await child.child.exited;
  clearTimeout(timer);
  await Bun.sleep(50); // the last stdout lines
  await child.stop();
  if (code !== 0) throw new Error(`${file} exited with ${code ?? "a signal"}: ${child.stderr().slice(-600)}`);
  return child.lines;
}

/** Rows of tab-separated numbers (a header row and other text are skipped). */
export function numericRows(lines: readonly string[]): number[][] {
  return lines
    .map((l) => l.trim().split("\t"))
    .filter((cells) => cells.length > 1 && cells.every((c) => c !== "" && Number.isFinite(Number(c))))
    .map((cells) => cells.map(Number));
}
