import { createServer } from "node:net";
import { type SocketChannel, waitConnected } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dir, "../..");

/** `letsrobot run` (from source) as a child process, with its stdout read line by line. */
export interface RunProcess {
  pid: number;
  lines: string[];
  stderr(): string;
  /** The first stdout line that parses as JSON and passes `test`. */
  waitForJson<T = Record<string, unknown>>(test: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<T>;
  /** The exit code, whenever the process ends. */
  exited: Promise<number>;
  /** SIGINT, then the exit code (SIGKILL after `graceMs`). */
  interrupt(graceMs?: number): Promise<number>;
}

export function spawnRun(args: string[], env: Record<string, string>): RunProcess {
  const child = Bun.spawn(["bun", join(repoRoot, "cli/main.ts"), "run", ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const lines: string[] = [];
  let errText = "";
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    const reader = child.stdout.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
      for (const w of [...waiters]) w();
    }
  })();
  void (async () => {
    const reader = child.stderr.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      errText += decoder.decode(value, { stream: true });
    }
  })();
  const parsed = (line: string) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return {
    pid: child.pid,
    exited: child.exited,
    lines,
    stderr: () => errText,
    waitForJson: <T>(test: (event: Record<string, unknown>) => boolean, timeoutMs = 15_000) =>
      new Promise<T>((resolvePromise, reject) => {
        const check = () => {
          for (const line of lines) {
            const event = parsed(line);
            if (event && test(event)) {
              clearTimeout(timer);
              waiters.delete(check);
              resolvePromise(event as T);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; stderr:\n${errText.slice(-2000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    async interrupt(graceMs = 10_000) {
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await child.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Process ids of the children of `pid` (from /proc), e.g. the ffmpeg a robot started. */
export async function childPids(pid: number): Promise<number[]> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A port that was free a moment ago on 127.0.0.1 (for flags that take a port number, such as --status-port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * Start an embedded `run --json` (stopped by the returned cleanup), wait until it is online with its `link`
 * socket up, and connect a viewer socket to its platform.
 */
export async function runWithViewer(args: string[], env: Record<string, string>, link: "control" | "chat", cleanups: (() => unknown)[]): Promise<{ run: RunProcess; robotId: string; viewer: SocketChannel }> {
  const run = spawnRun(args, env);
  cleanups.push(async () => {
    if (alive(run.pid)) await run.interrupt();
  });
  const online = await run.waitForJson<{ robot_id: string; viewer_url: string }>((e) => e.type === "online", 20_000);
  await run.waitForJson((e) => e.type === "link" && e.link === link && e.state === "connected", 10_000);
  const viewer = connectSocket({ url: new URL(online.viewer_url).origin, reconnect: false });
  cleanups.push(() => viewer.close());
  await waitConnected(viewer, 5000);
  return { run, robotId: online.robot_id, viewer };
}
