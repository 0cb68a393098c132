import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, defaults } from "../../lib/config/schema.ts";
import { type H264Outcome, h264EncoderOutcome } from "../../lib/doctor/h264.ts";
import { hardwareH264Encoder, listCameras } from "../../lib/media/devices.ts";
import { audioOutputArgs, describePlan, type StreamTarget, toStreamPlan, videoOutputArgs } from "../../lib/media/plan.ts";
import { sniffCodec, sniffStreamKind } from "../../lib/server/relay/ts-sniff.ts";

const piNodes = listCameras(join(import.meta.dir, "fixtures/pi/sys"));
const target: StreamTarget = { relayHost: "relay.example", videoPort: 8081, audioPort: 8082, streamKey: "s3cr3t-key", xres: 640, yres: 480 };

function h264Config(video: Partial<Config["video"]> = {}): Config {
  const config = defaults();
  Object.assign(config.video, { format: "h264", bitrate_kbps: 300 }, video);
  return config;
}
const after = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe("video.format = h264 in the stream plan", () => {
  test("libx264 for low latency: no B-frames, no look-ahead, a key frame a second, capped bitrate, one thread", () => {
    const argv = toStreamPlan(h264Config(), target).video?.argv ?? [];
    const output = argv.slice(argv.indexOf("-codec:v"));
    expect(output.slice(0, 18)).toEqual(["-codec:v", "libx264", "-preset", "fast", "-tune", "zerolatency", "-b:v", "300k", "-maxrate", "300k", "-bufsize", "300k", "-g", "30", "-bf", "0", "-threads", "1"]);
    expect(after(output, "-f")).toBe("mpegts");
    expect(after(output, "-pat_period")).toBe("1");
    expect(argv.at(-1)).toBe("pipe:1");
  });

  test("AAC beside H.264, MP2 beside MPEG-1", () => {
    expect(after(toStreamPlan(h264Config(), target).audio?.argv ?? [], "-codec:a")).toBe("aac");
    expect(after(toStreamPlan(defaults(), target).audio?.argv ?? [], "-codec:a")).toBe("mp2");
  });

  test("auto picks the Raspberry Pi's hardware encoder when its node exists, libx264 otherwise", () => {
    expect(hardwareH264Encoder(piNodes)?.path).toBe("/dev/video11");
    expect(after(toStreamPlan(h264Config(), target, { cameras: piNodes }).video?.argv ?? [], "-codec:v")).toBe("h264_v4l2m2m");
    expect(after(toStreamPlan(h264Config(), target, { cameras: [] }).video?.argv ?? [], "-codec:v")).toBe("libx264");
    expect(after(toStreamPlan(h264Config({ encoder: "libx264" }), target, { cameras: piNodes }).video?.argv ?? [], "-codec:v")).toBe("libx264");
  });

  test("the hardware encoder repeats its parameter sets at each key frame", () => {
    const argv = toStreamPlan(h264Config(), target, { cameras: piNodes }).video?.argv ?? [];
    expect(after(argv, "-bsf:v")).toBe("dump_extra=freq=keyframe");
    expect(after(argv, "-g")).toBe("30");
  });

  test("--dry-run names the codecs", () => {
    const text = describePlan(toStreamPlan(h264Config(), target)).join("\n");
    expect(text).toContain("# video H.264 (libx264): test pattern");
    expect(text).toContain("# audio AAC: ");
    expect(describePlan(toStreamPlan(defaults(), target)).join("\n")).toContain("# video MPEG-1: ");
  });
});

describe("doctor's H.264 encoder check", () => {
  const pi = hardwareH264Encoder(piNodes);
  const both = " V....D libx264   libx264 H.264\n V..... h264_v4l2m2m  V4L2 mem2mem H.264 encoder wrapper";
  const cases: [string, Partial<Config["video"]>, boolean, string, H264Outcome["status"], RegExp][] = [
    ["Pi streaming H.264 in hardware", { format: "h264" }, true, both, "pass", /bcm2835-codec-encode \(\/dev\/video11\), used through ffmpeg's h264_v4l2m2m/],
    ["Pi still on MPEG-1 is told about it", { format: "mpeg1" }, true, both, "pass", /does not use it/],
    ["x86 streaming H.264 with libx264", { format: "h264" }, false, both, "pass", /no hardware H\.264 encoder .*libx264 encodes in software/],
    ["x86 on MPEG-1 needs none", { format: "mpeg1" }, false, both, "skip", /does not need one/],
    ["hardware forced where there is none", { format: "h264", encoder: "h264_v4l2m2m" }, false, both, "fail", /video\.encoder = h264_v4l2m2m, but no hardware/],
    ["no encoder at all", { format: "h264" }, false, " A..... aac", "fail", /ffmpeg has no libx264/],
  ];
  for (const [name, video, hardware, encoders, status, detail] of cases) {
    test(name, () => {
      const outcome = h264EncoderOutcome({ format: "mpeg1", encoder: "auto", ...video }, hardware ? pi : undefined, encoders);
      expect(outcome.status).toBe(status);
      expect(outcome.detail).toMatch(detail);
      if (status === "fail") expect(outcome.hint).toBeTruthy();
    });
  }
});

describe("real ffmpeg with the H.264 plan arguments", () => {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-h264-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const encode = (kind: "video" | "audio", file: string) => {
    const config = h264Config();
    const input = kind === "video" ? ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30", "-t", "3"] : ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "3"];
    const output = kind === "video" ? videoOutputArgs(config.video, "scale=640:480") : audioOutputArgs(config.audio, "h264");
    const run = Bun.spawnSync(["ffmpeg", "-hide_banner", "-loglevel", "error", ...input, ...output.slice(0, -1), "-y", join(dir, file)], { stderr: "pipe" });
    expect(run.exitCode).toBe(0);
    return new Uint8Array(readFileSync(join(dir, file)));
  };
  const probe = (file: string, args: string[]) => JSON.parse(Bun.spawnSync(["ffprobe", "-v", "error", "-of", "json", ...args, join(dir, file)], { stdout: "pipe" }).stdout.toString());

  test("the relay sniffs H.264 as video and AAC as audio (PES stream ids 0xE0 and 0xC0), and the codecs from the PMT", () => {
    const video = encode("video", "v.ts");
    const audio = encode("audio", "a.ts");
    expect([sniffStreamKind(video), sniffCodec(video)]).toEqual(["video", "h264"]);
    expect([sniffStreamKind(audio), sniffCodec(audio)]).toEqual(["audio", "aac"]);
    expect(sniffCodec(video.subarray(0, 188))).toBeNull(); // the PAT alone
    const mpeg1 = Bun.spawnSync(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "0.2", ...videoOutputArgs(defaults().video, "scale=320:240")], { stdout: "pipe" });
    expect(sniffCodec(new Uint8Array(mpeg1.stdout))).toBe("mpeg1");
    // uploads are untrusted: damaged heads give a name or null, never a throw
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(187 * 4), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }), (damage) => {
        const head = video.slice(0, 188 * 4);
        for (const [at, value] of damage) head[at] = value;
        const codec = sniffCodec(head);
        expect(codec === null || typeof codec === "string").toBe(true);
      }),
      { numRuns: 2000 },
    );
  }, 30_000);

  test("ffprobe reads H.264 without B-frames and a key frame every 30 pictures, and AAC", () => {
    const stream = probe("v.ts", ["-show_streams", "-select_streams", "v:0"]).streams[0];
    expect([stream.codec_name, stream.width, stream.height, stream.has_b_frames]).toEqual(["h264", 640, 480, 0]);
    const frames = probe("v.ts", ["-show_frames", "-select_streams", "v:0", "-show_entries", "frame=key_frame"]).frames as { key_frame: number }[];
    expect(frames.length).toBe(90);
    expect(frames.flatMap((f, i) => (f.key_frame ? [i] : []))).toEqual([0, 30, 60]);
    expect(probe("a.ts", ["-show_streams"]).streams[0].codec_name).toBe("aac");
  }, 30_000);
});
