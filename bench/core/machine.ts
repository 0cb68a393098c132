import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";

/** What the numbers were measured on: CPU, memory, kernel and the versions of every program involved. */
export interface Machine {
  cpu: string;
  cores: number;
  memory_gb: number;
  kernel: string;
  load_1m: number;
  bun: string;
  node?: string;
  ffmpeg?: string;
  chromium?: string;
  letsrobot?: string;
  commit?: string;
}

function firstLine(argv: string[]): string | undefined {
  try {
    const out = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    if (out.exitCode !== 0) return undefined;
    return new TextDecoder().decode(out.stdout).split("\n")[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

export function describeMachine(options: { cli: string[]; chromium: string; root: string }): Machine {
  const cpuInfo = (() => {
    try {
      return readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      return "";
    }
  })();
  const loadavg = (() => {
    try {
      return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
    } catch {
      return Number.NaN;
    }
  })();
  return {
    cpu: /model name\s*:\s*(.+)/.exec(cpuInfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    load_1m: loadavg,
    bun: Bun.version,
    node: firstLine(["node", "--version"]),
    ffmpeg: firstLine(["ffmpeg", "-hide_banner", "-version"])?.replace(/ Copyright.*/, ""),
    chromium: firstLine([options.chromium, "--version"]),
    letsrobot: firstLine([...options.cli, "--version"]),
    commit: firstLine(["git", "-C", options.root, "rev-parse", "--short", "HEAD"]),
  };
}
