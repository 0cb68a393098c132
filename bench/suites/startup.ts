import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { percentile } from "../core/stats.ts";
import type { BenchOptions, Suite, SuiteResult } from "../core/types.ts";

/**
 * S1 CLI start-up: wall time (spawn → exit) and CPU time of `letsrobot --version`, `letsrobot --help` and
 * `letsrobot serve --help` (a subcommand's help; serve's module is the largest), a farm of runs per round,
 * median per round. Side by side, interleaved run by run so load hits all alike: a compiled Bun hello world
 * built here with the same flags as `bun run build` (the floor of any compiled Bun program), and /bin/true
 * (the floor of starting a process at all).
 */
interface Run {
  wall: number;
  cpu: number;
}

async function timeRun(argv: string[]): Promise<Run> {
  const t0 = performance.now();
  const child = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await child.exited;
  const wall = performance.now() - t0;
  clearTimeout(timer);
  if (child.exitCode !== 0) throw new Error(`${argv.join(" ")} exited with ${child.exitCode}`);
  const usage = child.resourceUsage();
  const cpu = usage ? (Number(usage.cpuTime.user) + Number(usage.cpuTime.system)) / 1000 : Number.NaN;
  return { wall, cpu };
}

/** A compiled hello world printing a version, built with the flags of `bun run build`; undefined without bun. */
function buildHelloWorld(dir: string): string | undefined {
  const bun = Bun.which("bun");
  if (!bun) return undefined;
  const source = join(dir, "hello.ts");
  const out = join(dir, "hello");
  writeFileSync(source, 'console.log("0.0.0");\n');
  const built = Bun.spawnSync([bun, "build", source, "--compile", "--bytecode", "--format=esm", "--minify", "--outfile", out], { stdout: "ignore", stderr: "pipe", timeout: 60_000 });
  if (built.exitCode !== 0) throw new Error(`bun build of the hello world failed: ${new TextDecoder().decode(built.stderr).slice(0, 200)}`);
  return out;
}

export const startupSuite: Suite = {
  name: "startup",
  description: "S1: `letsrobot --version`, `--help` and `serve --help` start-up, compiled binary (vs a compiled Bun hello world)",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 5);
    const runs = options.smoke ? 5 : 30;
    const version = [...options.cli, "--version"];
    const check = Bun.spawnSync(version, { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    const printed = new TextDecoder().decode(check.stdout).trim();
    if (check.exitCode !== 0 || !/^\d+\.\d+\.\d+/.test(printed)) throw new Error(`${version.join(" ")} did not print a version (exit ${check.exitCode}): ${printed.slice(0, 80)}`);
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-startup-"));
    try {
      const hello = buildHelloWorld(dir);
      const programs: Record<string, string[]> = { version, help: [...options.cli, "--help"], subHelp: [...options.cli, "serve", "--help"], true: ["/bin/true"] };
      if (hello) programs.hello = [hello];
      const names = Object.keys(programs);
      const per = (make: () => number[]) => Object.fromEntries(names.map((n) => [n, make()])) as Record<string, number[]>;
      const wall = per(() => []);
      const cpu = per(() => []);
      for (const argv of Object.values(programs)) for (let i = 0; i < 3; i++) await timeRun(argv); // warm the page cache
      for (let r = 0; r < rounds; r++) {
        const runWall = per(() => []);
        const runCpu = per(() => []);
        for (let i = 0; i < runs; i++) {
          for (const name of names) {
            const { wall: w, cpu: c } = await timeRun(programs[name] as string[]);
            runWall[name]?.push(w);
            runCpu[name]?.push(c);
          }
        }
        for (const name of names) {
          wall[name]?.push(percentile(runWall[name] ?? [], 50));
          cpu[name]?.push(percentile(runCpu[name] ?? [], 50));
        }
        const show = (name: string) => `${name} ${wall[name]?.at(-1)?.toFixed(1)} ms (cpu ${cpu[name]?.at(-1)?.toFixed(1)})`;
        options.log(`  round ${r + 1}: ${names.map(show).join(", ")}`);
      }
      const reference = (values: Record<string, number[]>) => (hello ? { name: "compiled Bun hello world", values: values.hello ?? [] } : { name: "/bin/true", values: values.true ?? [] });
      const compiled = !/\.ts$/.test(options.cli.at(-1) ?? "");
      const notes: string[] = [];
      if (!compiled) notes.push("dist/letsrobot not built: measured the CLI from source (run `bun run build` first)");
      if (!hello) notes.push("bun not on PATH: no hello world to compare with, compared with /bin/true");
      return {
        metrics: [
          { id: "S1", name: "start-up, `--version` median", unit: "ms", values: wall.version ?? [], target: { op: "<=", value: 50 }, reference: reference(wall), ratioGoal: { op: "<=", value: 1.5 } },
          { id: "S1-cpu", name: "start-up, `--version` CPU (user+sys)", unit: "ms", values: cpu.version ?? [], reference: reference(cpu) },
          { id: "S1-help", name: "start-up, `--help` median", unit: "ms", values: wall.help ?? [], reference: reference(wall), ratioGoal: { op: "<=", value: 1.5 } },
          { id: "S1-help-cpu", name: "start-up, `--help` CPU (user+sys)", unit: "ms", values: cpu.help ?? [], reference: reference(cpu) },
          { id: "S1-sub-help", name: "start-up, `serve --help` median", unit: "ms", values: wall.subHelp ?? [], reference: reference(wall), ratioGoal: { op: "<=", value: 1.5 } },
          { id: "S1-sub-help-cpu", name: "start-up, `serve --help` CPU (user+sys)", unit: "ms", values: cpu.subHelp ?? [], reference: reference(cpu) },
          { id: "S1-true", name: "spawning /bin/true (floor of any process)", unit: "ms", values: wall.true ?? [] },
        ],
        details: { runs_per_round: runs, cli: options.cli.join(" "), compiled, hello_world: hello !== undefined },
        notes,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
