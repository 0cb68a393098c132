import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "../lib/errors.ts";

// What the parsed flags mean for the config: each flag declared in about.ts maps to a config key.

/** The config overlay from the shared flags. */
export function configFlags(args: Record<string, unknown>): Record<string, string | undefined> {
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  // --server also takes a viewer page as `run` and `serve` print it (http://HOST:PORT/robot/ID): server and robot id
  const page = /^(https?:\/\/[^/?#]+)\/robot\/(\d+)\/?(?:[?#].*)?$/.exec(text(args.server) ?? "");
  return {
    "platform.server": page ? page[1] : text(args.server),
    "platform.robot_id": text(args["robot-id"]) ?? page?.[2],
    "platform.camera_id": text(args["camera-id"]),
  };
}

/** The config overlay from the media flags and the shared ones. */
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

/** A file an --out flag names: its folder must exist and be writable, checked before any recording starts. */
export function outputFile(path: string, flag: string): string {
  const folder = dirname(path);
  try {
    accessSync(folder, constants.W_OK);
    if (statSync(folder).isDirectory()) return path;
  } catch {
    // said below
  }
  throw new UsageError(`${flag}: cannot write ${path}: ${folder} is not a folder this user can write to`, `pass ${flag} with a path in an existing folder, e.g. ${flag} ./out`);
}
