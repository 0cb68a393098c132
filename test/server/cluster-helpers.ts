/**
 * Real pieces for the scale-out tests and bench/suites/cluster.ts: a throwaway `redis-server` on a free loopback
 * port (no persistence), and `letsrobot serve` processes from source sharing it.
 */
import { createServer } from "node:net";
import { join } from "node:path";
import { cleanEnv, root } from "../helpers/cli.ts";

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Read a child's stream into `sink` until it closes, calling `onText` after each chunk. */
function follow(stream: ReadableStream<Uint8Array>, sink: { text: string }, onText: () => void): void {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      sink.text += decoder.decode(value, { stream: true });
      onText();
    }
  })();
}

function waitForText(sink: { text: string }, listeners: Set<() => void>, test: (text: string) => boolean, timeoutMs: number, what: string, exited: Promise<number>): Promise<void> {
  if (test(sink.text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output so far:\n${sink.text.slice(-2000)}`)), timeoutMs);
    const check = () => {
      if (test(sink.text)) done();
    };
    const done = (error?: Error) => {
      clearTimeout(timer);
      listeners.delete(check);
      error ? reject(error) : resolve();
    };
    listeners.add(check);
    void exited.then((code) => {
      if (!test(sink.text)) done(new Error(`${what}: the process exited (${code}) first; output:\n${sink.text.slice(-2000)}`));
    });
  });
}

/** Start `redis-server` on a free loopback port with persistence off; fails clearly when it is not installed. */
export async function startRedis(wantedPort?: number): Promise<RedisServer> {
  const binary = Bun.which("redis-server");
  if (!binary) throw new Error("redis-server is not installed: the scale-out tests need it (scripts/setup.sh installs it: apt-get install redis-server)");
  const port = wantedPort ?? (await freePort());
  const child = Bun.spawn([binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = { text: "" };
  const listeners = new Set<() => void>();
  follow(child.stdout, out, () => {
    for (const l of listeners) l();
  });
  follow(child.stderr, out, () => {
    for (const l of listeners) l();
  });
  try {
    await waitForText(out, listeners, (t) => /Ready to accept connections/.test(t), 10_000, `redis-server on port ${port}`, child.exited);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

export interface ServeProcess {
  url: string;
  pid: number;
  /** stderr so far (the log). */
  log(): string;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGINT, then SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number>;
}

/** `letsrobot serve --port 0` from source with the given data dir and environment (e.g. LETSROBOT_SERVER_REDIS_URL). */
export async function spawnServe(dataDir: string, env: Record<string, string>, options: { cwd?: string; level?: string } = {}): Promise<ServeProcess> {
  const args = [process.execPath, join(root, "cli/main.ts"), "serve", "--port", "0", "--data-dir", dataDir];
  if (options.level === "debug") args.push("--verbose");
  const child = Bun.spawn(args, { cwd: options.cwd ?? dataDir, env: cleanEnv(env), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const out = { text: "" };
  const err = { text: "" };
  const outListeners = new Set<() => void>();
  const errListeners = new Set<() => void>();
  follow(child.stdout, out, () => {
    for (const l of outListeners) l();
  });
  follow(child.stderr, err, () => {
    for (const l of errListeners) l();
  });
  try {
    await waitForText(out, outListeners, (t) => t.includes("\n"), 15_000, "serve to print its URL", child.exited);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\nstderr:\n${err.text.slice(-2000)}`);
  }
  const url = out.text.split("\n")[0] ?? "";
  return {
    url,
    pid: child.pid,
    log: () => err.text,
    waitForLog: (pattern, timeoutMs = 10_000) => waitForText(err, errListeners, (t) => pattern.test(t), timeoutMs, `a log line matching ${pattern}`, child.exited),
    exited: child.exited,
    kill: (signal = "SIGKILL") => child.kill(signal),
    async stop() {
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const code = await child.exited;
      clearTimeout(timer);
      return code;
    },
  };
}
