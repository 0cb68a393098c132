import { readdirSync, readFileSync } from "node:fs";
import { type GroupChild, type GroupSpawnOptions, spawnGroup } from "../../lib/process/group.ts";

/**
 * Child processes for the benchmarks and what /proc says about them. Every long-running child (serve,
 * ffmpeg, Chromium, the reference relay) is started in its own process group through lib/process/group.ts,
 * whose watchdog kills the group even if the benchmark itself dies; `stopAll` ends whatever is left.
 */
let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    const out = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", stderr: "ignore" });
    ticks = Number(new TextDecoder().decode(out.stdout).trim()) || 100;
  }
  return ticks;
}

/** utime + stime of a process so far, in seconds (NaN when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/** Read a byte stream to its end, chunk by chunk (errors end it quietly: the process closed it). */
export async function eachChunk(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onChunk(value);
    }
  } catch {
    // closed with the process
  }
}

/** Resident set size in MB (NaN when the process is gone). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The 1-minute load average (NaN when /proc is not there). */
export function loadAverage(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}

/** CPU % of one core used by `pid` between two calls of the returned function. */
export function cpuMeter(pid: number): () => number {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  return () => ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
}

/** Wall-clock milliseconds since the epoch with sub-millisecond resolution (comparable with a browser's). */
export const epochMs = () => performance.timeOrigin + performance.now();

export interface Child {
  pid: number;
  child: GroupChild;
  /** stdout lines seen so far (when not consumed as bytes). */
  lines: string[];
  /** The last 8 kB of stderr. */
  stderr(): string;
  /** First stdout line passing `test`; rejects after timeoutMs or when the child exits. */
  waitLine(test: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

/** Start a process group; stdout is read as lines unless `rawStdout` (then the caller reads child.stdout). */
export function startChild(argv: string[], options: GroupSpawnOptions & { rawStdout?: boolean } = {}): Child {
  const child = spawnGroup(argv, options);
  const lines: string[] = [];
  let err = "";
  const waiters = new Set<() => void>();
  let exited = false;
  void child.exited.then(() => {
    exited = true;
    for (const w of [...waiters]) w();
  });
  if (!options.rawStdout) {
    const decoder = new TextDecoder();
    let rest = "";
    void eachChunk(child.stdout, (chunk) => {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
      for (const w of [...waiters]) w();
    });
  }
  const errDecoder = new TextDecoder();
  void eachChunk(child.stderr, (chunk) => {
    err = (err + errDecoder.decode(chunk, { stream: true })).slice(-8192);
  });
  const handle: Child = {
    pid: child.pid,
    child,
    lines,
    stderr: () => err,
    waitLine: (test, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(test);
          if (line !== undefined) {
            done();
            resolve(line);
          } else if (exited) {
            done();
            reject(new Error(`${argv[0]} exited before printing the expected line; stderr: ${err.slice(-1000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${argv[0]}: no expected line within ${timeoutMs} ms; stderr: ${err.slice(-1000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    async stop(graceMs = 2000) {
      await child.stop(graceMs);
      running.delete(handle);
    },
  };
  running.add(handle);
  return handle;
}

/** Stop every child still running (after a failed suite, or on Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(1000)));
}

/** Direct children of this process (from /proc), e.g. an ffmpeg some library started and never ended. */
function childProcesses(): { pid: number; command: string }[] {
  const out: { pid: number; command: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== process.pid || fields[0] === "Z") continue;
      out.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 120) });
    } catch {
      // gone already
    }
  }
  return out;
}

/**
 * The safety net after each benchmark: any child still alive is killed with its process group, and named
 * (a leftover is a bug in the code under test or in the benchmark, worth reporting).
 */
export async function killLeftovers(graceMs = 1000): Promise<string[]> {
  const left = childProcesses();
  if (left.length === 0) return [];
  for (const { pid } of left) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGCONT");
        process.kill(target, "SIGTERM");
      } catch {
        // not a group leader, or gone
      }
    }
  }
  await waitUntil(() => childProcesses().length === 0, graceMs, 50);
  for (const { pid } of childProcesses()) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  return left.map((c) => `${c.pid} ${c.command}`);
}

/** Poll `check` every `everyMs` until it is true; false after timeoutMs. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await check()) return true;
    await Bun.sleep(everyMs);
  }
  return await check();
}
