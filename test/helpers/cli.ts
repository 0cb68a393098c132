import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dir, "../..");
export const binary = process.env.LETSROBOT_BIN ?? join(root, "dist/letsrobot");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A clean environment: no user config, no LETSROBOT_* leaking in from the developer's shell, and local
 * platforms on 127.0.0.1 so the URLs a test reads and opens are loopback ones (pass LETSROBOT_SERVER_HOST
 * to test another listen address).
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("LETSROBOT_")) env[k] = v;
  const home = mkdtempSync(join(tmpdir(), "letsrobot-home-"));
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), NO_COLOR: "1", LETSROBOT_SERVER_HOST: "127.0.0.1", ...extra };
}

/** Run the compiled binary (built by `bun run build`; scripts/setup.sh builds it). */
export async function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; stdin?: string } = {}): Promise<CliResult> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`bun run build\` first`);
  const child = Bun.spawn([binary, ...args], {
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), "letsrobot-cwd-")),
    env: options.env ?? cleanEnv(),
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20000);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Everything a child writes to `stream` so far, read in the background while the test goes on. */
/** What a child prints on a stream until its first newline (whole chunks: there may be more after it). */
export async function textUntilNewline(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value, { stream: true });
  }
  return out;
}

export function collectText(stream: ReadableStream<Uint8Array>): () => string {
  let text = "";
  void (async () => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value, { stream: true });
  })();
  return () => text;
}
