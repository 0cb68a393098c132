import { expect, test } from "bun:test";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

/**
 * Runs `letsrobot ARGS` in a fresh bun (the same modules as the binary) and reports whether consola was
 * loaded before and after one log line. consola is a CommonJS package loaded with require(), so require.cache
 * shows it; the line after the log proves the check sees a load (the test fails if consola loads another way).
 */
async function consolaLoaded(args: string[]): Promise<{ afterHelp: boolean; afterLog: boolean }> {
  const script = `
    const { dispatch } = await import(${JSON.stringify(join(root, "commands/dispatch.ts"))});
    const { createRootCommand } = await import(${JSON.stringify(join(root, "commands/index.ts"))});
    const { realDeps } = await import(${JSON.stringify(join(root, "lib/deps.ts"))});
    const loaded = () => Object.keys(require.cache).some((path) => path.includes("/node_modules/consola/"));
    const deps = realDeps({ level: "silent", shutdown: new AbortController().signal });
    const { printed } = await dispatch(createRootCommand(deps), ${JSON.stringify(args)}, deps.version);
    if (!printed?.includes("USAGE")) throw new Error("no help printed");
    const afterHelp = loaded();
    deps.log.info("a log line");
    console.log(JSON.stringify({ afterHelp, afterLog: loaded() }));`;
  const child = Bun.spawn([process.execPath, "-e", script], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect({ code, err: err.slice(0, 500) }).toEqual({ code: 0, err: "" });
  return JSON.parse(out);
}

test("root and subcommand --help load no logger library: consola loads on the first log line", async () => {
  for (const args of [["--help"], ["serve", "--help"], ["run", "--help"]]) {
    expect({ args, ...(await consolaLoaded(args)) }).toEqual({ args, afterHelp: false, afterLog: true });
  }
});
