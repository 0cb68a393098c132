import { UsageError } from "../lib/errors.ts";
import { configFlags } from "./args.ts";

/** Flags of the media commands and the config keys they set. */
export const mediaArgs = {
  device: { type: "string", description: "Camera by name or path (video.device); lavfi:<graph> for a generated picture", valueHint: "name" },
  mic: { type: "string", description: "Microphone by ALSA card name (audio.device); lavfi:<graph> for a generated sound", valueHint: "name" },
  width: { type: "string", description: "Capture width in pixels (video.width)", valueHint: "px" },
  height: { type: "string", description: "Capture height in pixels (video.height)", valueHint: "px" },
  fps: { type: "string", description: "Frames per second (video.fps)", valueHint: "n" },
  bitrate: { type: "string", description: "Video bitrate in kbit/s (video.bitrate_kbps)", valueHint: "kbps" },
  rotate: { type: "string", description: "Rotate by 0, 90, 180 or 270 degrees (video.rotate)", valueHint: "deg" },
  flip: { type: "boolean", description: "Mirror the picture (video.flip)" },
} as const;

export function mediaFlags(args: Record<string, unknown>): Record<string, string | undefined> {
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    ...configFlags(args),
    "video.device": text(args.device),
    "audio.device": text(args.mic),
    "video.width": text(args.width),
    "video.height": text(args.height),
    "video.fps": text(args.fps),
    "video.bitrate_kbps": text(args.bitrate),
    "video.rotate": text(args.rotate),
    "video.flip": args.flip === true ? "true" : undefined,
  };
}

/** A positive number of seconds from a flag, or undefined. */
export function secondsFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86400) throw new UsageError(`${flag} must be a number of seconds above 0, got ${JSON.stringify(value)}`, `e.g. ${flag} 5`);
  return seconds;
}
