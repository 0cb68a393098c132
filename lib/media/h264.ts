import type { Config } from "../config/schema.ts";
import { hardwareH264Encoder } from "./devices.ts";
import type { KnownDevices } from "./sources.ts";

/**
 * H.264 encoder arguments (pure), for every destination that takes H.264: the relay (`video.format = "h264"`)
 * and the broadcast to Twitch. Always low latency: no B-frames, no look-ahead. `libx264` runs anywhere;
 * `h264_v4l2m2m` is the Raspberry Pi's hardware encoder.
 */
export type H264Encoder = "libx264" | "h264_v4l2m2m";

/** `video.encoder = "auto"` picks the hardware encoder when the machine has one (a Raspberry Pi 1-4). */
export function h264Encoder(video: Config["video"], devices: KnownDevices = {}): H264Encoder {
  if (video.encoder !== "auto") return video.encoder as H264Encoder;
  return hardwareH264Encoder(devices.cameras ?? []) ? "h264_v4l2m2m" : "libx264";
}

export interface H264Options {
  encoder: H264Encoder;
  fps: number;
  bitrateKbps: number;
  /** Seconds between keyframes. */
  keyframeSeconds: number;
  /** Encoder threads (1 keeps every picture's latency the same). */
  threads?: number;
  /** libx264's preset (default veryfast); `fast` costs ~2.5× the CPU for ~25 % fewer bits at equal SSIM. */
  preset?: "veryfast" | "fast";
  /** Parameter sets before every keyframe (MPEG-TS has no global header; FLV does). */
  inBandHeaders?: boolean;
  /**
   * What Twitch asks of broadcasters: strict CBR (filler where the picture needs fewer bits), keyframes at
   * exactly the interval (no extra ones at scene cuts), Main profile at the lowest level the picture fits.
   */
  broadcast?: { width: number; height: number };
}

/** H.264 levels: largest frame (macroblocks), macroblocks per second, Main-profile bitrate (kbit/s). */
const LEVELS: [string, number, number, number][] = [
  ["3.0", 1620, 40500, 10000],
  ["3.1", 3600, 108000, 14000],
  ["3.2", 5120, 216000, 20000],
  ["4.0", 8192, 245760, 20000],
  ["4.1", 8192, 245760, 50000],
  ["4.2", 8704, 522240, 50000],
  ["5.0", 22080, 589824, 135000],
  ["5.1", 36864, 983040, 240000],
];

/** The lowest level that holds this picture size, rate and bitrate (5.1 at most). */
export function h264Level(width: number, height: number, fps: number, bitrateKbps: number): string {
  const blocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  const found = LEVELS.find(([, frame, rate, kbps]) => blocks <= frame && blocks * fps <= rate && bitrateKbps <= kbps);
  return (found ?? LEVELS[LEVELS.length - 1])?.[0] ?? "5.1";
}

/** Output arguments for the encoder alone (no filters, no pixel format, no muxer). */
export function h264Args(options: H264Options): string[] {
  const gop = String(Math.max(1, Math.round(options.fps * options.keyframeSeconds)));
  const rate = `${options.bitrateKbps}k`;
  const bitrate = ["-b:v", rate, "-maxrate", rate, "-bufsize", rate, "-g", gop];
  const threads = options.threads ? ["-threads", String(options.threads)] : [];
  const cast = options.broadcast;
  const level = cast && h264Level(cast.width, cast.height, options.fps, options.bitrateKbps);
  if (options.encoder === "h264_v4l2m2m") {
    const headers = options.inBandHeaders ? ["-bsf:v", "dump_extra=freq=keyframe"] : [];
    // the Pi's encoder takes profile and level as numbers (Main = 77, level 3.1 = 31)
    const profile = level ? ["-profile:v", "77", "-level", level.replace(".", "")] : [];
    return ["-codec:v", "h264_v4l2m2m", ...bitrate, ...headers, ...profile];
  }
  const strict = level ? ["-keyint_min", gop, "-sc_threshold", "0", "-profile:v", "main", "-level:v", level, "-x264-params", "nal-hrd=cbr:force-cfr=1"] : [];
  return ["-codec:v", "libx264", "-preset", options.preset ?? "veryfast", "-tune", "zerolatency", ...bitrate, "-bf", "0", ...threads, ...strict];
}
