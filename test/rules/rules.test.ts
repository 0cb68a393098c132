import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { root } from "../helpers/cli.ts";

/** Run a dev tool from node_modules/.bin under Bun in the repository root: its exit code and all it printed. */
async function runTool(name: string, args: string[]): Promise<{ code: number; output: string }> {
  const bin = join(root, "node_modules/.bin", name);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`bun install\` (it is a devDependency)`);
  const proc = Bun.spawn([process.execPath, "--bun", bin, ...args], { cwd: root, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: `${out}${err}`.trim() };
}

/**
 * The layer rules in .dependency-cruiser.cjs hold for everything that ships (lib, commands, cli): no cycles,
 * lib never imports commands, cli, test or bench, connectors never import each other, the runtime imports no
 * connector, and the platform imports neither the robot runtime nor hardware.
 */
test("dependency-cruiser: the layer rules hold", async () => {
  const { code, output } = await runTool("depcruise", ["lib", "commands", "cli", "--config", ".dependency-cruiser.cjs", "--output-type", "err"]);
  // on failure the report names every broken rule, the importing file and the imported one
  expect(output).toContain("no dependency violations found");
  expect(code).toBe(0);
}, 60_000);

/** knip.json: no file that nothing loads, no export nothing imports, no dependency nothing uses. */
test("knip: no unused files, exports or dependencies", async () => {
  const { code, output } = await runTool("knip", ["--no-progress"]);
  expect(output).toBe("");
  expect(code).toBe(0);
}, 60_000);

/** tsconfig.json: the whole tree (lib, commands, cli, test, bench, scripts) type-checks, strict, with no unused names. */
test("tsc: everything type-checks", async () => {
  const { code, output } = await runTool("tsc", ["--noEmit", "-p", "."]);
  expect(output).toBe("");
  expect(code).toBe(0);
}, 120_000);
