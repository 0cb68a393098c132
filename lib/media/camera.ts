import { readFileSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import { MediaError } from "../errors.ts";
import { type BoundedDeps, measuredFps, runBounded } from "./bounded.ts";
import { FFMPEG_GLOBAL, videoFilters } from "./plan.ts";
import { type KnownDevices, videoInput } from "./sources.ts";

/** `letsrobot camera`: read the camera for a few seconds, keep the last frame as a PNG, measure fps. */
export interface CameraCheckPlan {
  source: string;
  argv: string[];
  feeder?: string[];
  png: string;
  seconds: number;
}

export interface CameraReport {
  source: string;
  png: string;
  width: number;
  height: number;
  /** Frames per second actually delivered, measured on the wall clock. */
  fps?: number;
  frames: number;
  seconds: number;
}

/** Pure: the ffmpeg command. Frames go to a null output (counted) and once a second to the PNG (kept: the last). */
export function toCameraPlan(video: Config["video"], devices: KnownDevices, png: string, seconds: number): CameraCheckPlan {
  const input = videoInput(video, devices);
  const filters = videoFilters(video, { xres: video.width, yres: video.height }, input.overlay ? {} : undefined);
  const timed = input.args.slice(0, -2).concat(["-t", String(seconds)], input.args.slice(-2));
  return {
    source: input.label,
    feeder: input.feeder,
    png,
    seconds,
    argv: [...FFMPEG_GLOBAL, ...timed, "-map", "0:v", "-f", "null", "-", "-map", "0:v", "-vf", filters, "-r", "1", "-update", "1", "-y", png],
  };
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes[0] !== 0x89 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export async function checkCamera(plan: CameraCheckPlan, deps: BoundedDeps, onProgress?: (frames: number) => void): Promise<CameraReport> {
  const result = await runBounded(plan.argv, deps, {
    feeder: plan.feeder,
    timeoutMs: (plan.seconds + 10) * 1000,
    onProgress: (s) => onProgress?.(s.progress.frames ?? 0),
  });
  if (result.interrupted) throw new MediaError("camera check interrupted", "run it again and let it finish");
  let size: { width: number; height: number } | undefined;
  try {
    size = pngSize(readFileSync(plan.png));
  } catch {
    size = undefined;
  }
  const frames = Math.max(0, ...result.samples.map((s) => s.progress.frames ?? 0));
  if (!size || frames === 0) {
    const why = result.timedOut ? "no frame arrived in time" : (result.error ?? `ffmpeg exited with code ${result.code}`);
    throw new MediaError(`cannot read ${plan.source}: ${why}`, "check `letsrobot camera --list`, close other programs using the camera, or set video.input_format");
  }
  return { source: plan.source, png: plan.png, ...size, fps: measuredFps(result.samples), frames, seconds: plan.seconds };
}
