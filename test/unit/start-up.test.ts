import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { cleanEnv, root } from "../helpers/cli.ts";

/** Loaded when help must not be: the argument parser, the logger library, the deps and every command's module. */
const HEAVY = /^(node_modules\/(citty|consola)\/|lib\/deps\.ts$|lib\/log\.ts$|commands\/(doctor|probe|send|watch|stream|camera|mic|serve|run|hw|service|init)\.ts$)/;

/**
 * Runs cli/main.ts ARGS in a fresh bun (the same modules as the binary) and returns the repository files
 * it had loaded when it exited: a preload writes require.cache (ES modules are in it too) on exit.
 */
async function loadedBy(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; loaded: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-start-up-"));
  const hook = join(dir, "hook.ts");
  const out = join(dir, "loaded.json");
  writeFileSync(hook, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
  const child = Bun.spawn([process.execPath, "--preload", hook, join(root, "cli/main.ts"), ...args], { cwd: dir, env: cleanEnv(env), stdout: "pipe", stderr: "pipe" });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  const loaded = (JSON.parse(readFileSync(out, "utf8")) as string[]).filter((path) => path.startsWith(root)).map((path) => relative(root, path));
  return { code, stdout, loaded };
}

test("root and subcommand help, at any depth, load neither citty, consola, the deps nor any command's module", async () => {
  for (const args of [["--help"], ["-h"], [], ["serve", "--help"], ["serve", "robot", "add", "--help"], ["hw"], ["hw", "drive", "-h"], ["run", "--help"]]) {
    const { code, stdout, loaded } = await loadedBy(args);
    expect({ args, code, usage: stdout.includes("USAGE letsrobot") }).toEqual({ args, code: 0, usage: true });
    expect({ args, heavy: loaded.filter((path) => HEAVY.test(path)) }).toEqual({ args, heavy: [] });
  }
});

test("the check sees loads: running a command loads citty, the deps, its module and, at the first log line, consola", async () => {
  // `hw list` with no serial ports prints a hint through the logger
  const { code, loaded } = await loadedBy(["hw", "list"], { LETSROBOT_SYS_ROOT: mkdtempSync(join(tmpdir(), "letsrobot-sys-")) });
  expect(code).toBe(0);
  const heavy = loaded.filter((path) => HEAVY.test(path));
  for (const expected of [/^node_modules\/citty\//, /^node_modules\/consola\//, /^lib\/deps\.ts$/, /^commands\/hw\.ts$/]) expect({ expected: String(expected), seen: heavy.some((path) => expected.test(path)) }).toEqual({ expected: String(expected), seen: true });
});
