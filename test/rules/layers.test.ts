import { expect, test } from "bun:test";
import { join } from "node:path";
import { root } from "../helpers/cli.ts";

/**
 * The layer rules in .dependency-cruiser.cjs hold for everything that ships (lib, commands, cli): no cycles,
 * lib never imports commands, cli, test or bench, connectors never import each other, the runtime imports no
 * connector, and the platform imports neither the robot runtime nor hardware.
 */
test("dependency-cruiser: the layer rules hold", async () => {
  const proc = Bun.spawn([process.execPath, "--bun", join(root, "node_modules/.bin/depcruise"), "lib", "commands", "cli", "--config", ".dependency-cruiser.cjs", "--output-type", "err"], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  // the report names every broken rule, the importing file and the imported one
  expect(`${out}${err}`.trim()).toContain("no dependency violations found");
  expect(code).toBe(0);
}, 60_000);
