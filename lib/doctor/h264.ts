import type { Config } from "../config/schema.ts";
import type { Camera } from "../media/devices.ts";

/**
 * The H.264 encoder check of `doctor` (pure): is there a hardware encoder (Raspberry Pi 1-4, ffmpeg's
 * h264_v4l2m2m), and can `video.format = "h264"` be streamed with the encoder `video.encoder` picks?
 */
export interface H264Outcome {
  status: "pass" | "warn" | "fail" | "skip";
  detail: string;
  hint?: string;
  required?: boolean;
}

export function h264EncoderOutcome(video: Pick<Config["video"], "format" | "encoder">, hardware: Camera | undefined, ffmpegEncoders: string): H264Outcome {
  const hasV4l2m2m = /\bh264_v4l2m2m\b/.test(ffmpegEncoders);
  const hasX264 = /\blibx264\b/.test(ffmpegEncoders);
  const wanted = video.format === "h264";
  const found = hardware ? `hardware H.264 encoder ${hardware.name} (${hardware.path})` : "no hardware H.264 encoder (a Raspberry Pi 1-4 has one; a Pi 5 does not)";
  if (video.encoder === "h264_v4l2m2m" && wanted && !(hardware && hasV4l2m2m)) {
    return { status: "fail", required: true, detail: `video.encoder = h264_v4l2m2m, but ${hardware ? "ffmpeg has no h264_v4l2m2m encoder" : found}`, hint: 'set video.encoder = "auto" (libx264 where there is no hardware encoder)' };
  }
  if (!wanted) {
    return hardware && hasV4l2m2m
      ? { status: "pass", detail: `${found}; video.format = mpeg1 does not use it`, hint: 'set video.format = "h264" for a third of the bitrate at almost no CPU (the letsrobot viewer page plays it)' }
      : { status: "skip", detail: `${found}; video.format = mpeg1 does not need one` };
  }
  if (hardware && hasV4l2m2m && video.encoder !== "libx264") return { status: "pass", detail: `${found}, used through ffmpeg's h264_v4l2m2m` };
  if (hasX264) return { status: hardware ? "warn" : "pass", detail: `${found}${hardware && !hasV4l2m2m ? " but ffmpeg lacks h264_v4l2m2m" : ""}; libx264 encodes in software` };
  return { status: "fail", required: true, detail: `${found}, and ffmpeg has no libx264`, hint: 'install Debian\'s full ffmpeg (sudo apt-get install ffmpeg), or set video.format = "mpeg1"' };
}
