import { join } from "node:path";
import { root } from "../helpers/cli.ts";

export const dist = join(root, "dist");
export const version: string = (await Bun.file(join(root, "package.json")).json()).version;

let built: Promise<void> | undefined;

/**
 * `bun run release`, once per test run; the script itself skips the build when the sources are unchanged
 * since the last one, so CI compiles the ARM64 binary once per commit.
 */
export function ensureRelease(): Promise<void> {
  built ??= (async () => {
    const child = Bun.spawn(["bun", "run", "release"], { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`bun run release failed (exit ${code}):\n${stderr.slice(-3000)}`);
  })();
  return built;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runTool(argv: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  const child = Bun.spawn(argv, { env: options.env, cwd: options.cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}
