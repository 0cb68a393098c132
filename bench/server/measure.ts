import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RobotCredentials } from "../../lib/server/platform.ts";

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) : Number.NaN;
}

export function summary(values: number[]): { median: number; min: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { median: percentile(s, 50), min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN };
}

/** Start bench/server/platform-child.ts and read its address and robot. */
export async function startChild(): Promise<{ child: Bun.Subprocess<"ignore", "pipe", "inherit">; url: string; port: number; robot: RobotCredentials }> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "platform-child.ts")], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("platform child exited");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { child, ...JSON.parse(text.split("\n")[0] ?? "{}") };
}
