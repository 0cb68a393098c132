import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Config, defaults } from "../../lib/config/schema.ts";
import { listCameras, listSoundCards } from "../../lib/media/devices.ts";
import { describePlan, outputRate, redactArgv, type StreamTarget, toStreamPlan, videoFilters } from "../../lib/media/plan.ts";
import { ConfigError, ExitCode, LetsrobotError, MediaError } from "../../lib/errors.ts";

const fixtures = join(import.meta.dir, "fixtures");
const devices = { cameras: listCameras(join(fixtures, "sys")), soundCards: listSoundCards(join(fixtures, "proc")) };
const target: StreamTarget = { relayHost: "relay.example", videoPort: 8081, audioPort: 8082, streamKey: "s3cr3t-key", xres: 640, yres: 480 };

type Patch = { video?: Partial<Config["video"]>; audio?: Partial<Config["audio"]> };
function configWith(patch: Patch): Config {
  const config = defaults();
  Object.assign(config.video, patch.video);
  Object.assign(config.audio, patch.audio);
  return config;
}

/** The slice of argv between ffmpeg's global options and the output options. */
function inputOf(argv: string[]): string[] {
  const start = argv.indexOf("0.5") + 1;
  return argv.slice(start, argv.lastIndexOf("-i") + 2);
}

function after(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

describe("video sources → ffmpeg input", () => {
  const cases: [string, Patch, string[], string[] | undefined][] = [
    ["no device: test pattern", {}, ["-re", "-f", "lavfi", "-i", "smptebars=size=640x480:rate=30"], undefined],
    ["source = test even with a device", { video: { source: "test", device: "HD USB" } }, ["-re", "-f", "lavfi", "-i", "smptebars=size=640x480:rate=30"], undefined],
    ["camera by name", { video: { device: "HD USB Camera" } }, ["-fflags", "nobuffer", "-threads", "1", "-f", "v4l2", "-video_size", "640x480", "-framerate", "30", "-i", "/dev/video0"], undefined],
    ["camera by other name, input format, size, fps", { video: { device: "mmal service 16.1", input_format: "mjpeg", width: 1280, height: 720, fps: 25 } }, ["-fflags", "nobuffer", "-threads", "1", "-f", "v4l2", "-input_format", "mjpeg", "-video_size", "1280x720", "-framerate", "25", "-i", "/dev/video2"], undefined],
    ["camera by path not in sysfs", { video: { device: "/dev/video7" } }, ["-fflags", "nobuffer", "-threads", "1", "-f", "v4l2", "-video_size", "640x480", "-framerate", "30", "-i", "/dev/video7"], undefined],
    ["lavfi stand-in device", { video: { device: "lavfi:testsrc=size=320x240:rate=30" } }, ["-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30"], undefined],
    ["http MJPEG camera", { video: { url: "http://cam.local:8080/video" } }, ["-fflags", "nobuffer", "-threads", "1", "-i", "http://cam.local:8080/video"], undefined],
    ["http camera with forced format", { video: { source: "http", url: "https://cam/x.mjpg", input_format: "mpjpeg" } }, ["-fflags", "nobuffer", "-threads", "1", "-f", "mpjpeg", "-i", "https://cam/x.mjpg"], undefined],
    [
      "Raspberry Pi camera through rpicam-vid",
      { video: { source: "libcamera", width: 1280, height: 720 } },
      ["-threads", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", "1280x720", "-framerate", "30", "-i", "pipe:0"],
      ["rpicam-vid", "-t", "0", "-n", "--width", "1280", "--height", "720", "--framerate", "30", "--codec", "yuv420", "--flush", "-o", "-"],
    ],
  ];
  for (const [name, patch, input, feeder] of cases) {
    test(name, () => {
      const plan = toStreamPlan(configWith(patch), target, devices);
      expect(inputOf(plan.video?.argv ?? [])).toEqual(input);
      expect(plan.video?.feeder).toEqual(feeder);
    });
  }
});

describe("audio sources → ffmpeg input", () => {
  const cases: [string, Patch, string[]][] = [
    ["no device: test tone", {}, ["-re", "-f", "lavfi", "-i", "sine=frequency=440:beep_factor=4:sample_rate=44100"]],
    ["ALSA mic by card name, never by number", { audio: { device: "USB PnP Sound Device" } }, ["-f", "alsa", "-sample_rate", "44100", "-channels", "1", "-i", "plughw:CARD=Device"]],
    ["ALSA mic by card id", { audio: { device: "Device", rate: 48000, channels: 2 } }, ["-f", "alsa", "-sample_rate", "48000", "-channels", "2", "-i", "plughw:CARD=Device"]],
    ["ALSA pcm string passes through", { audio: { device: "hw:CARD=Device,DEV=0" } }, ["-f", "alsa", "-sample_rate", "44100", "-channels", "1", "-i", "hw:CARD=Device,DEV=0"]],
    ["PulseAudio default", { audio: { source: "pulse" } }, ["-f", "pulse", "-i", "default"]],
    ["PulseAudio named source", { audio: { source: "pulse", device: "alsa_input.usb-mic" } }, ["-f", "pulse", "-i", "alsa_input.usb-mic"]],
    ["lavfi stand-in mic", { audio: { device: "lavfi:sine=frequency=1000" } }, ["-re", "-f", "lavfi", "-i", "sine=frequency=1000"]],
  ];
  for (const [name, patch, input] of cases) {
    test(name, () => {
      expect(inputOf(toStreamPlan(configWith(patch), target, devices).audio?.argv ?? [])).toEqual(input);
    });
  }
});

describe("picture options → filter chain", () => {
  const size = { xres: 640, yres: 480 };
  const cases: [string, Partial<Config["video"]>, string][] = [
    ["defaults: only scaling", {}, "scale=640:480"],
    ["rotate 90", { rotate: 90 }, "transpose=clock,scale=640:480"],
    ["rotate 180", { rotate: 180 }, "hflip,vflip,scale=640:480"],
    ["rotate 270", { rotate: 270 }, "transpose=cclock,scale=640:480"],
    ["mirror", { flip: true }, "hflip,scale=640:480"],
    ["brightness and contrast", { brightness: 0.2, contrast: 1.5 }, "eq=brightness=0.2:contrast=1.5,scale=640:480"],
    ["everything, in order", { brightness: -0.1, rotate: 90, flip: true }, "eq=brightness=-0.1:contrast=1,transpose=clock,hflip,scale=640:480"],
  ];
  for (const [name, video, chain] of cases) {
    test(name, () => expect(videoFilters({ ...defaults().video, ...video }, size)).toBe(chain));
  }

  test("the test pattern shows a clock and the robot name, unsafe characters removed", () => {
    const chain = videoFilters(defaults().video, size, { robotName: "Rob's:bot;1" });
    expect(chain).toContain("%{localtime");
    expect(chain).toContain("text='Robsbot1'");
  });

  test("one clock: the test pattern under our clock overlay draws no time of its own (real ffmpeg)", () => {
    const input = toStreamPlan(configWith({}), target, devices).video?.argv ?? [];
    const source = after(input, "-i") ?? "";
    const frameAt = (seconds: number) =>
      Bun.spawnSync(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", source, "-ss", String(seconds), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]).stdout;
    const [early, late] = [frameAt(0.5), frameAt(3.5)];
    expect(early.length).toBe(640 * 480);
    expect(Buffer.compare(early, late)).toBe(0); // testsrc/testsrc2 differ here: they print a running timecode
    expect(after(input, "-vf")).toContain("%{localtime"); // the only clock is ours
  });

  test("output scaled to the platform's xres/yres", () => {
    const plan = toStreamPlan(configWith({ video: { width: 1280, height: 720 } }), { ...target, xres: 320, yres: 240 }, devices);
    expect(after(plan.video?.argv ?? [], "-vf")).toStartWith("scale=320:240");
    expect(plan.video?.url).toBe("http://relay.example:8081/s3cr3t-key/320/240/");
  });
});

describe("encoder and muxer options", () => {
  test("video: MPEG-1 in MPEG-TS on stdout with the low-latency flags", () => {
    const argv = toStreamPlan(configWith({ video: { bitrate_kbps: 600, fps: 25 } }), target).video?.argv ?? [];
    expect(argv.slice(-25, -1)).toEqual([
      "-codec:v", "mpeg1video", "-b:v", "600k", "-bf", "0", "-g", "25", "-flags", "+low_delay", "-strict", "unofficial", "-threads", "1",
      "-f", "mpegts", "-muxdelay", "0.001", "-muxpreload", "0", "-flush_packets", "1", "-omit_video_pes_length", "0",
    ]);
    expect(argv.at(-1)).toBe("pipe:1");
    expect(after(argv, "-r")).toBe("25");
    expect(argv).toContain("-an");
    expect(argv.slice(0, 10)).toEqual(["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning", "-progress", "pipe:2", "-stats_period", "0.5"]);
  });

  test("audio: MP2 32k 44.1 kHz mono, one audio frame per PES", () => {
    const full = toStreamPlan(configWith({}), target).audio?.argv ?? [];
    const argv = full.slice(full.lastIndexOf("-i"));
    for (const [flag, value] of [["-codec:a", "mp2"], ["-b:a", "32k"], ["-ar", "44100"], ["-ac", "1"], ["-f", "mpegts"], ["-pes_payload_size", "0"], ["-flush_packets", "1"], ["-mpegts_start_pid", "0x110"]]) {
      expect(after(argv, flag as string)).toBe(value as string);
    }
    expect(argv.at(-1)).toBe("pipe:1");
  });

  test("audio: bitrate, rate and channels from config", () => {
    const full = toStreamPlan(configWith({ audio: { bitrate_kbps: 64, rate: 48000, channels: 2 } }), target).audio?.argv ?? [];
    const argv = full.slice(full.lastIndexOf("-i"));
    expect([after(argv, "-b:a"), after(argv, "-ar"), after(argv, "-ac")]).toEqual(["64k", "48000", "2"]);
  });

  const rates: [number, number][] = [[1, 24], [15, 24], [24, 24], [25, 25], [29, 30], [30, 30], [31, 50], [60, 60]];
  for (const [fps, rate] of rates) test(`capture ${fps} fps → MPEG-1 output ${rate} fps`, () => expect(outputRate(fps)).toBe(rate));

  test("the audio URL always says 640/480, the video URL the target size", () => {
    const plan = toStreamPlan(configWith({}), { ...target, xres: 1280, yres: 720 });
    expect(plan.audio?.url).toBe("http://relay.example:8082/s3cr3t-key/640/480/");
    expect(plan.video?.url).toBe("http://relay.example:8081/s3cr3t-key/1280/720/");
  });

  test("disabled kinds are left out", () => {
    const plan = toStreamPlan(configWith({ audio: { enabled: false } }), target);
    expect(plan.video).toBeDefined();
    expect(plan.audio).toBeUndefined();
  });
});

describe("the stream key stays out of argv and out of what is shown", () => {
  test("no argv element contains the key", () => {
    const plan = toStreamPlan(configWith({}), target);
    for (const p of [plan.video, plan.audio]) expect(p?.argv.join(" ")).not.toContain("s3cr3t-key");
  });

  test("--dry-run text redacts the key in the URLs", () => {
    const text = describePlan(toStreamPlan(configWith({}), target)).join("\n");
    expect(text).toContain("POST http://relay.example:8081/***/640/480/");
    expect(text).not.toContain("s3cr3t-key");
  });

  test("redactArgv replaces every occurrence", () => {
    expect(redactArgv(["a", "http://h/k3y-123/1/", "k3y-123k3y-123"], ["k3y-123"])).toEqual(["a", "http://h/***/1/", "******"]);
  });

  test("a camera URL with a password is redacted when shown", () => {
    const plan = toStreamPlan(configWith({ video: { url: "http://admin:hunter22@cam/video" } }), target);
    const text = describePlan(plan).join("\n");
    expect(text).not.toContain("hunter22");
  });
});

describe("bad input names the problem", () => {
  const cases: [string, Patch, typeof LetsrobotError, number, RegExp][] = [
    ["missing camera lists what exists", { video: { device: "Logitech" } }, MediaError, ExitCode.media, /camera "Logitech" not found; found: "USB 2.0 Camera: HD USB Camera" \(\/dev\/video0\), "mmal service 16.1" \(\/dev\/video2\)/],
    ["missing mic lists capture cards by name", { audio: { device: "Blue Yeti" } }, MediaError, ExitCode.media, /microphone "Blue Yeti" not found; found: "USB PnP Sound Device" \[Device\]/],
    ["a playback-only card is not a mic", { audio: { device: "Headphones" } }, MediaError, ExitCode.media, /microphone "Headphones" not found/],
    ["rotation not a multiple of 90", { video: { rotate: 45 } }, ConfigError, ExitCode.config, /video\.rotate must be 0, 90, 180 or 270, got 45/],
    ["v4l2 without a device", { video: { source: "v4l2" } }, ConfigError, ExitCode.config, /video\.source = v4l2 needs a camera/],
    ["http without a URL", { video: { source: "http" } }, ConfigError, ExitCode.config, /video\.url must be an http/],
    ["http with a non-http URL", { video: { source: "http", url: "rtsp://cam/1" } }, ConfigError, ExitCode.config, /video\.url must be an http/],
    ["alsa without a device", { audio: { source: "alsa" } }, ConfigError, ExitCode.config, /audio\.source = alsa needs a microphone/],
    ["empty lavfi graph", { video: { device: "lavfi:" } }, ConfigError, ExitCode.config, /names no lavfi graph/],
    ["nothing enabled", { video: { enabled: false }, audio: { enabled: false } }, ConfigError, ExitCode.config, /nothing to stream/],
  ];
  for (const [name, patch, type, code, message] of cases) {
    test(name, () => {
      let caught: unknown;
      try {
        toStreamPlan(configWith(patch), target, devices);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(type);
      expect((caught as LetsrobotError).exitCode).toBe(code);
      expect((caught as LetsrobotError).message).toMatch(message);
      expect((caught as LetsrobotError).hint).toBeTruthy();
    });
  }
});
