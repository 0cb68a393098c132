import type { FileSink, Subprocess } from "bun";

/**
 * Long-running children (ffmpeg) in their own process group, so a terminal's Ctrl-C reaches only letsrobot,
 * which then forwards exactly one signal. Each child gets a watchdog: a tiny `sh` holding the read end of a
 * pipe whose write end only letsrobot holds. When letsrobot dies in any way (even SIGKILL) the pipe reaches
 * EOF and the watchdog kills the child's whole group, so no ffmpeg is ever orphaned.
 */
export interface GroupChild {
  pid: number;
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  /** Present when spawned with stdin: "pipe". */
  stdin?: FileSink;
  /** Exit code, or null when ended by a signal. */
  exited: Promise<number | null>;
  /** Send one signal to the whole group (ffmpeg and any feeder). */
  signal(signal: NodeJS.Signals): void;
  /** Forward one SIGTERM (after SIGCONT, in case it was stopped); SIGKILL the group if still alive after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface GroupSpawnOptions {
  /** A program whose stdout becomes the child's stdin (a pipeline run by sh inside the same group). */
  feeder?: string[];
  stdin?: "ignore" | "pipe";
  env?: Record<string, string | undefined>;
}

export type GroupSpawner = (argv: string[], options?: GroupSpawnOptions) => GroupChild;

const WATCHDOG = 'read _ignored; kill -CONT -"$1" 2>/dev/null; kill -KILL -"$1" 2>/dev/null';

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export const spawnGroup: GroupSpawner = (argv, options = {}) => {
  const command = options.feeder ? ["sh", "-c", `${options.feeder.map(quote).join(" ")} | ${argv.map(quote).join(" ")}`] : argv;
  let child: Subprocess<"pipe" | "ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn(command, {
      stdin: options.stdin ?? "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
      env: options.env as Record<string, string> | undefined,
    });
  } catch (error) {
    throw new Error(`cannot start ${command[0]}: ${(error as Error).message}`, { cause: error });
  }
  const pid = child.pid;
  const watchdog = Bun.spawn(["sh", "-c", WATCHDOG, "letsrobot-watchdog", String(pid)], { stdin: "pipe", stdout: "ignore", stderr: "ignore", detached: true });
  const exited = child.exited.then((code) => {
    // the child is gone: retire its watchdog without letting it signal a recycled group id
    watchdog.kill("SIGKILL");
    return child.signalCode ? null : code;
  });
  let ended = false;
  exited.then(() => {
    ended = true;
  });
  return {
    pid,
    stdout: child.stdout,
    stderr: child.stderr,
    stdin: options.stdin === "pipe" ? (child.stdin as FileSink) : undefined,
    exited,
    signal: (signal) => {
      if (!ended) killGroup(pid, signal);
    },
    async stop(graceMs = 2000) {
      if (ended) return;
      killGroup(pid, "SIGCONT");
      killGroup(pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // a feeder may outlive the program that read from it
      if (options.feeder) killGroup(pid, "SIGKILL");
    },
  };
};
