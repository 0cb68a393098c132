import { createLogger, createStatusLine, type LogLevelName, type Logger } from "./log.ts";
import { createOutput, type Output } from "./output.ts";
import type { LastStops } from "./process/lifecycle.ts";
import { VERSION } from "./version.ts";

/**
 * Everything a command may touch outside pure code. Library functions take the slice they use
 * (`Pick<Deps, "log" | "fetch">`), so their signatures document their side effects.
 */
export interface Deps {
  log: Logger;
  out: Output;
  env: Record<string, string | undefined>;
  cwd: string;
  fetch: typeof fetch;
  /** Aborted on SIGINT/SIGTERM: long-running commands shut down in reverse order of start-up. */
  shutdown: AbortSignal;
  version: string;
  /** True when stdout is a terminal (live status lines, prompts). */
  interactive: boolean;
  /** The terminal's width when stdout is one (tables wrap to it); undefined for a pipe or file. */
  columns?: number;
  /** Rewrites the one live status line under the log (only when stderr is a terminal; "" clears it). */
  statusLine?: (text: string) => void;
  /** Run before a forced exit (a second Ctrl-C): `run` puts its motor stop here. */
  lastStops?: LastStops;
}

/** Where sysfs, procfs and /dev are; tests point them at a fake tree with LETSROBOT_SYS_ROOT, _PROC_ROOT, _DEV_ROOT. */
export interface SystemRoots {
  sys: string;
  proc: string;
  dev: string;
}

/** The environment variables that move the system roots (not config keys). */
export const ROOT_VARIABLES = ["LETSROBOT_SYS_ROOT", "LETSROBOT_PROC_ROOT", "LETSROBOT_DEV_ROOT"];

/** The one place the system roots are read from the environment. */
export function systemRoots(env: Record<string, string | undefined>): SystemRoots {
  return { sys: env.LETSROBOT_SYS_ROOT ?? "/sys", proc: env.LETSROBOT_PROC_ROOT ?? "/proc", dev: env.LETSROBOT_DEV_ROOT ?? "/dev" };
}

/**
 * The one place real adapters are wired; only cli/main.ts calls it. The logger and the terminal checks are
 * made on first use: touching process.stdout/stderr loads Node's streams and the logger loads consola, which
 * `--help` never needs (start-up, S1).
 */
export function realDeps(options: { level: LogLevelName; shutdown: AbortSignal; lastStops?: LastStops }): Deps {
  let terminal: ReturnType<typeof createStatusLine> | undefined | null = null;
  const statusTerminal = () => {
    if (terminal === null) terminal = process.stderr.isTTY ? createStatusLine(process.stderr) : undefined;
    return terminal;
  };
  let log: Logger | undefined;
  let interactive: boolean | undefined;
  return {
    get log() {
      log ??= createLogger(options.level, statusTerminal()?.stream);
      return log;
    },
    get statusLine() {
      return statusTerminal()?.statusLine;
    },
    get interactive() {
      interactive ??= process.stdout.isTTY === true;
      return interactive;
    },
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined;
    },
    out: createOutput(),
    env: process.env,
    cwd: process.cwd(),
    fetch: globalThis.fetch,
    shutdown: options.shutdown,
    lastStops: options.lastStops,
    version: VERSION,
  };
}
