import type { BroadcastStatus } from "./broadcast.ts";

/** What a supervised stream is doing, and its one-line text (pure). */
export interface StreamStatus {
  /** Truthful: an ffmpeg process exists and made progress within the stall window. */
  running: boolean;
  fps?: number;
  kbps?: number;
  frames?: number;
  speed?: number;
  /** New ffmpeg processes started after the first. */
  restarts: number;
  /** The last failure in plain words. */
  lastError?: string;
  /** The current ffmpeg's process id (for diagnostics and fault tests). */
  pid?: number;
  /** This kind is not part of the plan (video.enabled/audio.enabled = false). */
  disabled?: boolean;
  /** Bytes delivered to the relay by all attempts. */
  bytes?: number;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? "-" : value.toFixed(digits));

function formatStreamStatus(kind: string, status: StreamStatus | undefined): string {
  if (!status || status.disabled) return `${kind} off`;
  if (!status.running) return `${kind} DOWN${status.restarts ? ` (${status.restarts} restarts)` : ""}`;
  const parts = [kind];
  if (status.fps !== undefined) parts.push(`${fixed(status.fps, 1)} fps`);
  parts.push(`${fixed(status.kbps, 0)} kbit/s`);
  if (status.frames !== undefined) parts.push(`${status.frames} frames`);
  parts.push(`${fixed(status.speed, 2)}x`);
  if (status.restarts) parts.push(`${status.restarts} restarts`);
  return parts.join(" ");
}

/** The broadcast's part of the status line: `twitch 2510 kbit/s`, `twitch DOWN (2 restarts)`. */
function formatBroadcastStatus(status: BroadcastStatus): string {
  if (!status.running) return `twitch DOWN${status.restarts ? ` (${status.restarts} restarts)` : ""}`;
  const parts = ["twitch", `${fixed(status.kbps, 0)} kbit/s`];
  if (status.restarts) parts.push(`${status.restarts} restarts`);
  if (status.dropped) parts.push(`${status.dropped} dropped`);
  return parts.join(" ");
}

export function formatStatusLine(status: { video?: StreamStatus; audio?: StreamStatus; broadcast?: BroadcastStatus }): string {
  const line = `${formatStreamStatus("video", status.video)} | ${formatStreamStatus("audio", status.audio)}`;
  return status.broadcast ? `${line} | ${formatBroadcastStatus(status.broadcast)}` : line;
}
