import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv, collectText } from "../helpers/cli.ts";
import { until } from "../robot/harness.ts";
import { dist, ensureRelease, runTool, version } from "./release-build.ts";

/**
 * The ARM64 release binary (what a Raspberry Pi runs) on this x86-64 machine under qemu-user, with the ARM64
 * loader and libc from libc6-arm64-cross (both installed by `./scripts/setup.sh --test`). The programs it
 * starts (ffmpeg, espeak-ng, sox) are found on PATH and are this machine's own: the kernel runs them natively.
 */
const qemu = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"];
const arm64 = join(dist, "letsrobot-linux-arm64");

beforeAll(async () => {
  if (!Bun.which("qemu-aarch64") || !existsSync("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1")) {
    throw new Error("qemu-user and libc6-arm64-cross are missing: run ./scripts/setup.sh --test");
  }
  await ensureRelease();
}, 300_000);

describe("the ARM64 binary under qemu-user", () => {
  test("--version", async () => {
    const result = await runTool([...qemu, arm64, "--version"], { env: cleanEnv() });
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n` });
  }, 30_000);

  test("doctor --json reports every check, the embedded platform needing no server", async () => {
    const result = await runTool([...qemu, arm64, "doctor", "--json"], { env: cleanEnv(), timeoutMs: 60_000 });
    expect([0, 3]).toContain(result.code);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
    expect(report.checks.find((c) => c.id === "config")?.status).toBe("pass");
    expect(report.checks.find((c) => c.id === "ffmpeg")?.status).toBe("pass");
    expect(report.checks.find((c) => c.id === "lookups")?.status).toBe("skip");
  }, 90_000);

  test("run on embedded defaults streams: the relay receives the robot's video", async () => {
    const env = cleanEnv({ LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" });
    const child = Bun.spawn([...qemu, arm64, "run", "--port", "0", "--json"], { env, cwd: mkdtempSync(join(tmpdir(), "letsrobot-arm64-")), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const out = collectText(child.stdout);
    const err = collectText(child.stderr);
    try {
      await until(() => out().includes('"type":"online"'), 60_000, "the robot online").catch((error: Error) => {
        throw new Error(`${error.message}; stderr:\n${err().slice(-1500)}`);
      });
      const online = out().split("\n").map((line) => (line.startsWith("{") ? JSON.parse(line) : {})).find((e) => e.type === "online") as { viewer_url: string };
      const origin = new URL(online.viewer_url).origin;
      expect(origin).toStartWith("http://127.0.0.1:"); // loopback only
      type Status = { robots: { video_live: boolean }[]; totals: { bytes_in: number } };
      let status: Status | undefined;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        status = (await (await fetch(`${origin}/api/status`)).json()) as Status;
        if (status.robots[0]?.video_live && status.totals.bytes_in > 50_000) break;
        await Bun.sleep(250);
      }
      expect(status?.robots[0]?.video_live).toBe(true);
      expect(status?.totals.bytes_in).toBeGreaterThan(50_000);
    } finally {
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      expect(await child.exited).toBe(130);
      clearTimeout(timer);
    }
  }, 150_000);
});
