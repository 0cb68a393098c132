import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binary, cleanEnv, root } from "../helpers/cli.ts";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";
import { runProcess } from "../../lib/process/run.ts";
import { alive, commandLine, waitUntil } from "./helpers.ts";
import { type Sink, startSink } from "./sink.ts";

/** `letsrobot stream` as a user runs it (bun cli/main.ts), against a fake info server and a loopback relay. */
const KEY = "cli-s3cret-key";
let platform: FakePlatform;
let video: Sink;
let audio: Sink;
const spawned: number[] = [];

beforeAll(async () => {
  platform = await startFakePlatform();
  video = startSink(KEY);
  audio = startSink(KEY);
  platform.routes.set("/get_video_port/200", { mpeg_stream_port: video.port });
  platform.routes.set("/get_audio_port/200", { audio_stream_port: String(audio.port) });
});

afterEach(async () => {
  for (const pid of spawned.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
});

afterAll(async () => {
  await Promise.all([video.stop(), audio.stop(), platform.close()]);
});

/** `bun cli/main.ts`, or the compiled binary (dist/letsrobot, built by `bun run build`). */
const fromSource = ["bun", join(root, "cli/main.ts")];

function startCli(extra: string[] = [], moreEnv: Record<string, string> = {}, program: string[] = fromSource) {
  const env = cleanEnv({ ...moreEnv, LETSROBOT_PLATFORM_STREAM_KEY: KEY, LETSROBOT_VIDEO_WIDTH: "320", LETSROBOT_VIDEO_HEIGHT: "240", LETSROBOT_VIDEO_BITRATE_KBPS: "300" });
  const child = Bun.spawn([...program, "stream", "--server", platform.url, "--robot-id", "100", "--camera-id", "200", ...extra], {
    cwd: mkdtempSync(join(tmpdir(), "letsrobot-cwd-")),
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  spawned.push(child.pid);
  return child;
}

/** Children of a process (ffmpeg and their watchdogs). */
async function childrenOf(pid: number): Promise<{ pid: number; args: string }[]> {
  const listed = await runProcess("pgrep", ["-P", String(pid)]);
  const pids = listed.stdout.split("\n").filter(Boolean).map(Number);
  return Promise.all(pids.map(async (p) => ({ pid: p, args: await commandLine(p) })));
}

describe("letsrobot stream (CLI)", () => {
  for (const [name, program] of [["bun cli/main.ts", fromSource], ["compiled binary", [binary]]] as const) {
    test(`${name}: SIGKILL letsrobot while streaming (one ffmpeg SIGSTOPped): no ffmpeg is left running`, async () => {
      if (program[0] === binary && !existsSync(binary)) throw new Error(`${binary} is missing: run \`bun run build\` first`);
      const cli = startCli([], {}, [...program]);
      await Promise.all([video.waitFor("/KEY/320/240/", 20000, 20000), audio.waitFor("/KEY/640/480/", 2000, 20000)]);
      let children: { pid: number; args: string }[] = [];
      await waitUntil(async () => {
        children = await childrenOf(cli.pid);
        return children.filter((c) => c.args.startsWith("ffmpeg")).length === 2;
      }, 5000, "two ffmpeg children");
      for (const c of children) expect(c.args).not.toContain(KEY);

      // a stopped ffmpeg never notices a broken pipe: only the watchdog can end it
      const frozen = children.find((c) => c.args.startsWith("ffmpeg"))?.pid as number;
      process.kill(frozen, "SIGSTOP");
      process.kill(cli.pid, "SIGKILL");
      await cli.exited;
      await waitUntil(() => children.every((c) => !alive(c.pid)), 5000, "ffmpeg and watchdogs to exit after their parent died");
      const left = (await runProcess("pgrep", ["-a", "ffmpeg"])).stdout.split("\n").filter((l) => !l.includes("<defunct>"));
      for (const c of children) expect(left.filter((l) => l.startsWith(`${c.pid} `))).toEqual([]);
    }, 20000);
  }

  test("Ctrl-C (one SIGINT): both ffmpeg stop, exit code 130", async () => {
    const cli = startCli();
    await video.waitFor("/KEY/320/240/", 20000, 20000);
    const children = await childrenOf(cli.pid);
    expect(children.filter((c) => c.args.startsWith("ffmpeg"))).toHaveLength(2);
    process.kill(cli.pid, "SIGINT");
    expect(await cli.exited).toBe(130);
    expect(children.filter((c) => c.args.startsWith("ffmpeg") && alive(c.pid))).toEqual([]);
    await waitUntil(() => children.every((c) => !alive(c.pid)), 2000, "the watchdogs to be gone");
    const stderr = await new Response(cli.stderr).text();
    expect(stderr).toContain("video and audio stopped");
    expect(stderr).not.toContain(KEY);
  }, 20000);

  test("--seconds ends by itself with exit 0; the log never shows the key", async () => {
    const cli = startCli(["--seconds", "1", "--no-audio", "--verbose"]);
    expect(await cli.exited).toBe(0);
    const stderr = await new Response(cli.stderr).text();
    expect(stderr).toContain("video: test pattern");
    expect(stderr).not.toContain("audio: test tone");
    expect(stderr).not.toContain(KEY);
  }, 20000);

  test("the platform's mic_enabled = false streams video only", async () => {
    const settings = platform.routes.get("/api/v1/robots/100");
    platform.routes.set("/api/v1/robots/100", { robot_name: "testbot", mic_enabled: false });
    try {
      const cli = startCli(["--seconds", "1"]);
      expect(await cli.exited).toBe(0);
      const stderr = await new Response(cli.stderr).text();
      expect(stderr).toContain("mic turned off: streaming video only");
      expect(stderr).toContain("video: test pattern");
      expect(stderr).not.toContain("audio: test tone");
    } finally {
      platform.routes.set("/api/v1/robots/100", settings);
    }
  }, 20000);

  test("--dry-run prints both commands with the key redacted, and starts nothing", async () => {
    const cli = startCli(["--dry-run", "--rotate", "180"]);
    expect(await cli.exited).toBe(0);
    const stdout = await new Response(cli.stdout).text();
    expect(stdout).toContain(`POST http://127.0.0.1:${video.port}/***/320/240/`);
    expect(stdout).toContain(`POST http://127.0.0.1:${audio.port}/***/640/480/`);
    expect(stdout).toContain("hflip,vflip,scale=320:240");
    expect(stdout).not.toContain(KEY);
  }, 20000);

  test("--dry-run with video.format = h264 names H.264 and AAC and shows libx264's low-latency flags", async () => {
    const cli = startCli(["--dry-run"], { LETSROBOT_VIDEO_FORMAT: "h264", LETSROBOT_SYS_ROOT: join(import.meta.dir, "fixtures/sys") });
    expect(await cli.exited).toBe(0);
    const stdout = await new Response(cli.stdout).text();
    expect(stdout).toContain("# video H.264 (libx264): ");
    expect(stdout).toContain("# audio AAC: ");
    expect(stdout).toContain("-codec:v libx264 -preset fast -tune zerolatency -b:v 300k");
    expect(stdout).not.toContain(KEY);
  }, 20000);

  test("a missing camera exits 40 listing what exists, without a stack trace", async () => {
    const cli = startCli(["--device", "Logitech C920"], { LETSROBOT_SYS_ROOT: join(import.meta.dir, "fixtures/sys") });
    expect(await cli.exited).toBe(40);
    const stderr = await new Response(cli.stderr).text();
    expect(stderr).toContain('camera "Logitech C920" not found; found: "USB 2.0 Camera: HD USB Camera" (/dev/video0), "mmal service 16.1" (/dev/video2)');
    expect(stderr).toContain("hint:");
    expect(stderr).not.toMatch(/\s+at \S+ \(/);
  }, 20000);
});
