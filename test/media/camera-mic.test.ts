import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { measuredFps } from "../../lib/media/bounded.ts";
import { checkCamera, pngSize, toCameraPlan } from "../../lib/media/camera.ts";
import { listSoundCards } from "../../lib/media/devices.ts";
import { judgeLevel, levelOf, meter, toWav } from "../../lib/media/level.ts";
import { recordMic, toMicPlan, toPlaybackArgv } from "../../lib/media/mic.ts";
import { resolveSpeaker } from "../../lib/media/sources.ts";
import { spawnGroup } from "../../lib/process/group.ts";
import { cleanEnv, root } from "../helpers/cli.ts";
import { MediaError } from "../../lib/errors.ts";

const fixtures = join(import.meta.dir, "fixtures");
const tmp = () => mkdtempSync(join(tmpdir(), "letsrobot-media-"));

async function cli(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn(["bun", join(root, "cli/main.ts"), ...args], { cwd: tmp(), env: cleanEnv(env), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

describe("levels (pure)", () => {
  const sine = (amplitude: number, n = 4410) => Int16Array.from({ length: n }, (_, i) => Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * 440 * i) / 44100)));
  const cases: [string, Int16Array, number, number, string][] = [
    ["full-scale sine: 0 dBFS peak, -3 dBFS rms", sine(1), 0, -3, "clipping"],
    ["1/8 sine: -18 dBFS peak, -21 dBFS rms", sine(0.125), -18.1, -21.1, "ok"],
    ["very quiet: below -60 dBFS is silence", sine(0.0005), -66, -69, "silent"],
  ];
  for (const [name, samples, peak, rms, verdict] of cases) {
    test(name, () => {
      const level = levelOf(samples);
      expect(level.peakDb).toBeCloseTo(peak, 0);
      expect(level.rmsDb).toBeCloseTo(rms, 0);
      expect(judgeLevel(level)).toBe(verdict as ReturnType<typeof judgeLevel>);
    });
  }
  test("digital silence is -inf", () => expect(levelOf(new Int16Array(100)).peakDb).toBe(Number.NEGATIVE_INFINITY));
  test("meter: empty at -60, full at 0", () => {
    expect(meter(-60, 10)).toStartWith("[..........]");
    expect(meter(-30, 10)).toStartWith("[#####.....]");
    expect(meter(0, 10)).toStartWith("[##########]");
    expect(meter(Number.NEGATIVE_INFINITY, 4)).toBe("[....]  -inf dBFS");
  });
  test("WAV header", () => {
    const wav = toWav(new Int16Array([1, -1, 3]), 44100);
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe("RIFF");
    expect(new DataView(wav.buffer).getUint32(24, true)).toBe(44100);
    expect(wav.byteLength).toBe(44 + 6);
  });
});

describe("camera and mic plans (pure)", () => {
  test("camera: duration before the input, frames counted on a null output, last frame kept as PNG once a second", () => {
    const video = { ...defaults().video, device: "lavfi:testsrc2=size=320x240:rate=30", width: 320, height: 240 };
    const plan = toCameraPlan(video, {}, "/tmp/x.png", 3);
    expect(plan.argv.slice(plan.argv.indexOf("-re"))).toEqual(["-re", "-f", "lavfi", "-t", "3", "-i", "testsrc2=size=320x240:rate=30", "-map", "0:v", "-f", "null", "-", "-map", "0:v", "-vf", "scale=320:240", "-r", "1", "-update", "1", "-y", "/tmp/x.png"]);
  });
  test("mic: 16-bit mono PCM on stdout", () => {
    const plan = toMicPlan({ ...defaults().audio, device: "Device" }, { soundCards: listSoundCards(join(fixtures, "proc")) }, 2);
    expect(plan.argv.slice(plan.argv.indexOf("-f"))).toEqual(["-f", "alsa", "-sample_rate", "44100", "-channels", "1", "-t", "2", "-i", "plughw:CARD=Device", "-vn", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", "44100", "pipe:1"]);
  });
  test("playback on a speaker chosen by card name", () => {
    const speaker = resolveSpeaker("headphones", listSoundCards(join(fixtures, "proc")));
    expect(toPlaybackArgv("/tmp/r.wav", speaker.pcm).slice(-4)).toEqual(["/tmp/r.wav", "-f", "alsa", "plughw:CARD=Headphones"]);
    expect(resolveSpeaker("", []).pcm).toBe("default");
    expect(() => resolveSpeaker("USB PnP", [])).toThrow(MediaError);
  });
  test("png size and measured fps", () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 2, 128, 0, 0, 1, 224]);
    expect(pngSize(png)).toEqual({ width: 640, height: 480 });
    expect(pngSize(new Uint8Array(10))).toBeUndefined();
    const at = (t: number, frames: number) => ({ at: t, progress: { frames, end: false } });
    expect(measuredFps([at(0, 0), at(500, 15), at(1500, 45), at(2500, 75)])).toBeCloseTo(30, 5);
    expect(measuredFps([at(0, 1)])).toBeUndefined();
  });
});

describe("camera and mic against lavfi stand-ins", () => {
  test("camera: a PNG of the configured size and a measured fps near the source's", async () => {
    const png = join(tmp(), "frame.png");
    const video = { ...defaults().video, device: "lavfi:testsrc2=size=320x240:rate=25", width: 320, height: 240, fps: 25 };
    const report = await checkCamera(toCameraPlan(video, {}, png, 2), { spawn: spawnGroup });
    expect(pngSize(readFileSync(png))).toEqual({ width: 320, height: 240 });
    expect([report.width, report.height]).toEqual([320, 240]);
    expect(report.frames).toBeGreaterThanOrEqual(40);
    expect(report.fps).toBeGreaterThan(15);
    expect(report.fps).toBeLessThan(30);
  }, 15000);

  test("mic: a 440 Hz sine at ffmpeg's default 1/8 amplitude reads -18 dBFS peak, -21 dBFS rms, with live levels", async () => {
    const levels: number[] = [];
    const plan = toMicPlan({ ...defaults().audio, device: "lavfi:sine=frequency=440:sample_rate=44100" }, {}, 1);
    const recording = await recordMic(plan, { spawn: spawnGroup }, (level) => levels.push(level.peakDb));
    expect(recording.samples.length).toBeGreaterThanOrEqual(44100 * 0.95);
    expect(recording.level.peakDb).toBeCloseTo(-18.1, 0);
    expect(recording.level.rmsDb).toBeCloseTo(-21.1, 0);
    expect(levels.length).toBeGreaterThanOrEqual(9);
  }, 15000);

  test("camera CLI prints the PNG path and resolution; a missing camera exits 40", async () => {
    const ok = await cli(["camera", "--device", "lavfi:testsrc2=size=160x120:rate=30", "--width", "160", "--height", "120", "--seconds", "1"]);
    expect(ok.code).toBe(0);
    const [path, summary] = ok.stdout.trim().split("\n");
    expect(existsSync(path ?? "")).toBe(true);
    expect(summary).toMatch(/^160x120 at \d+\.\d fps \(measured over 1 s, \d+ frames\)/);
    const missing = await cli(["camera", "--device", "Logitech"], { LETSROBOT_SYS_ROOT: join(fixtures, "sys") });
    expect(missing.code).toBe(40);
    expect(missing.stderr).toContain('camera "Logitech" not found; found: "USB 2.0 Camera: HD USB Camera" (/dev/video0), "mmal service 16.1" (/dev/video2)');
  }, 20000);

  test("without ffmpeg on PATH, camera and mic exit 40 saying how to install it (not a bug report)", async () => {
    const onlyBun = tmp();
    symlinkSync(process.execPath, join(onlyBun, "bun"));
    const [camera, mic] = await Promise.all([cli(["camera", "--seconds", "1"], { PATH: onlyBun }), cli(["mic", "--seconds", "1"], { PATH: onlyBun })]);
    for (const run of [camera, mic]) {
      expect(run.code).toBe(40);
      expect(run.stderr).toContain("cannot start ffmpeg: it is not installed or not on PATH");
      expect(run.stderr).toContain("sudo apt-get install ffmpeg");
      expect(run.stderr).not.toContain("bug");
    }
  }, 20000);

  test("--out in a folder that does not exist: camera and mic exit 2 naming the path before recording", async () => {
    const dir = tmp();
    const [camera, mic] = await Promise.all([cli(["camera", "--seconds", "1", "--out", join(dir, "none/x.png")]), cli(["mic", "--seconds", "1", "--out", join(dir, "none/x.wav")])]);
    for (const [run, file] of [[camera, "none/x.png"], [mic, "none/x.wav"]] as const) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--out: cannot write ${join(dir, file)}: ${join(dir, "none")} is not a folder this user can write to`);
      expect(run.stderr).not.toContain("reading");
      expect(run.stderr).not.toContain("recording");
    }
  }, 20000);

  test("camera --list from a fixture sysfs tree", async () => {
    const { code, stdout } = await cli(["camera", "--list", "--json"], { LETSROBOT_SYS_ROOT: join(fixtures, "sys") });
    expect(code).toBe(0);
    const listed = JSON.parse(stdout).cameras.map((c: { name: string; path: string; formats: unknown[] }) => [c.name, c.path, c.formats]);
    expect(listed).toEqual([["USB 2.0 Camera: HD USB Camera", "/dev/video0", []], ["mmal service 16.1", "/dev/video2", []]]);
  }, 20000);

  test("mic CLI: levels, silence and clipping warnings, --list by card name, a missing speaker exits 40", async () => {
    const fixtureProc = { LETSROBOT_PROC_ROOT: join(fixtures, "proc") };
    const [tone, silent, loud, list, speaker] = await Promise.all([
      cli(["mic", "--mic", "lavfi:sine=frequency=440:sample_rate=44100", "--seconds", "1", "--json"]),
      cli(["mic", "--mic", "lavfi:anullsrc=r=44100:cl=mono", "--seconds", "1"]),
      cli(["mic", "--mic", "lavfi:sine=frequency=440:sample_rate=44100,volume=20", "--seconds", "1"]),
      cli(["mic", "--list"], fixtureProc),
      cli(["mic", "--mic", "lavfi:sine", "--seconds", "1", "--play", "--speaker", "Bluetooth"], fixtureProc),
    ]);
    expect(tone.code).toBe(0);
    expect(JSON.parse(tone.stdout)).toMatchObject({ verdict: "ok", clippedSamples: 0 });
    expect(silent.stdout).toContain("peak -inf dBFS");
    expect(silent.stderr).toContain("recorded silence");
    expect(loud.stderr).toContain("clipping");
    expect(list.stdout).toMatch(/Device\s+USB PnP Sound Device\s+yes\s+yes\s+plughw:CARD=Device/);
    expect(speaker.code).toBe(40);
    expect(speaker.stderr).toContain('speaker "Bluetooth" not found; found: "vc4-hdmi" [vc4hdmi], "USB PnP Sound Device" [Device], "bcm2835 Headphones" [Headphones]');
  }, 30000);
});
