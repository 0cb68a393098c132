import { closeSync } from "node:fs";
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
  /** What the child writes to its fd 3, when spawned with fd3: true; ends when the child (and feeder) exit. */
  fd3?: ReadableStream<Uint8Array>;
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
  /** Give the child a third output pipe on fd 3 (ffmpeg's `pipe:3`). */
  fd3?: boolean;
}

export type GroupSpawner = (argv: string[], options?: GroupSpawnOptions) => GroupChild;

const WATCHDOG = 'read _ignored; kill -CONT -"$1" 2>/dev/null; kill -KILL -"$1" 2>/dev/null';

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Our end of a child's fd-3 pipe as a stream; the descriptor is closed once the pipe reaches its end. */
function pipeStream(fd: number): ReadableStream<Uint8Array> {
  const reader = Bun.file(fd).stream().getReader();
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          close();
          controller.close();
        } else controller.enqueue(value);
      } catch {
        close();
        controller.close();
      }
    },
  });
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
    const env = options.env as Record<string, string> | undefined;
    child = options.fd3
      ? (Bun.spawn(command, { stdio: [options.stdin ?? "ignore", "pipe", "pipe", "pipe"], detached: true, env } as Parameters<typeof Bun.spawn>[1]) as typeof child)
      : Bun.spawn(command, { stdin: options.stdin ?? "ignore", stdout: "pipe", stderr: "pipe", detached: true, env });
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
    fd3: options.fd3 ? pipeStream((child as unknown as { stdio: number[] }).stdio[3] as number) : undefined,
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
