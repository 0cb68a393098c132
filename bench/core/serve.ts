import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, startChild } from "./proc.ts";

/** A robot of the platform under test, with its secrets. */
export interface BenchRobot {
  robotId: string;
  cameraId: string;
  streamKey: string;
  robotKey: string;
}

export interface ServeProcess {
  child: Child;
  url: string;
  port: number;
  robot: BenchRobot;
  /** Stop it (SIGTERM) and start it again on the same port and data dir; resolves once it listens. */
  restart(): Promise<void>;
  /** SIGSTOP (true) or SIGCONT (false) the server: a frozen server keeps its connections but says nothing. */
  freeze(frozen: boolean): void;
  stop(): Promise<void>;
}

/**
 * `letsrobot serve` (the compiled binary, as users run it) as a separate process on a free port with one
 * robot, so its CPU and memory can be read from /proc.
 */
export async function startServe(cli: string[]): Promise<ServeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "letsrobot-bench-"));
  const add = Bun.spawnSync([...cli, "serve", "robot", "add", "bench", "--data-dir", dataDir, "--json", "--quiet"], { stdout: "pipe", stderr: "pipe" });
  if (add.exitCode !== 0) throw new Error(`letsrobot serve robot add failed: ${new TextDecoder().decode(add.stderr).slice(-500)}`);
  // stdout is a pipe: the keys are in the 0600 file it names
  const r = JSON.parse(new TextDecoder().decode(add.stdout)) as { robot_id: string; camera_id: string; keys_file: string };
  const { platform } = Bun.TOML.parse(readFileSync(r.keys_file, "utf8")) as { platform: { stream_key: string; robot_key: string } };
  const robot = { robotId: r.robot_id, cameraId: r.camera_id, streamKey: platform.stream_key, robotKey: platform.robot_key };
  const launch = async (port: number) => {
    // every benchmark viewer comes from 127.0.0.1: lift the relay's per-address cap (its total caps still hold)
    const child = startChild([...cli, "serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", String(port), "--quiet"], { env: { ...process.env, LETSROBOT_SERVER_VIEWERS_PER_ADDRESS: "0" } });
    const url = await child.waitLine((l) => l.startsWith("http://"), 15_000);
    return { child, url: url.trim() };
  };
  let { child, url } = await launch(0);
  const port = Number(new URL(url).port);
  const serve: ServeProcess = {
    child,
    url,
    port,
    robot,
    freeze(frozen) {
      process.kill(serve.child.pid, frozen ? "SIGSTOP" : "SIGCONT");
    },
    async restart() {
      await serve.child.stop(3000);
      ({ child } = await launch(port));
      serve.child = child;
    },
    async stop() {
      await serve.child.stop(3000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return serve;
}

/**
 * The same platform code (lib/server/platform.ts) in a Bun child with the per-user command limits lifted,
 * for load tests that send more commands per viewer than a person could. Needs the source tree.
 */
export function startPlatformChild(root: string, port = 0): Promise<BunChild> {
  return startBunChild(root, "bench/core/platform-child.ts", [String(port)]);
}

/** A bare socket.io 4 forwarder (bench/core/socketio-floor.ts): the floor for the command benchmarks. */
export function startSocketIoFloor(root: string): Promise<BunChild> {
  return startBunChild(root, "bench/core/socketio-floor.ts", []);
}

export interface BunChild {
  child: Child;
  url: string;
  port: number;
  robot: BenchRobot;
  stop(): Promise<void>;
}

async function startBunChild(root: string, file: string, args: string[]): Promise<BunChild> {
  const script = join(root, file);
  if (!existsSync(script)) throw new Error(`${script} not found: this benchmark needs the letsrobot source tree`);
  const dataDir = mkdtempSync(join(tmpdir(), "letsrobot-bench-"));
  // LETSROBOT_BENCH_CPU_PROF=DIR: a CPU profile (markdown too) of the child, written when it exits
  const profile = process.env.LETSROBOT_BENCH_CPU_PROF;
  const prof = profile ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profile}`] : [];
  const child = startChild([bunPath(), ...prof, script, dataDir, ...args]);
  const line = await child.waitLine((l) => l.startsWith("{"), 15_000);
  const info = JSON.parse(line) as { url: string; port: number; robot: BenchRobot };
  return {
    child,
    ...info,
    async stop() {
      await child.stop(3000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** True inside a `bun build --compile` binary (its entry point lives in the embedded file system). */
export function isCompiled(): boolean {
  return Bun.main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(Bun.main);
}

/** The bun executable: this process when it is bun, else `bun` from PATH. */
export function bunPath(): string {
  return isCompiled() ? (Bun.which("bun") ?? "bun") : process.execPath;
}
