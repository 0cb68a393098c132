import type { Config } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import { type H264Encoder, h264Args, h264Encoder } from "./h264.ts";
import { type Ingest, parseIngest } from "./rtmp.ts";
import type { KnownDevices } from "./sources.ts";

/**
 * The broadcast as data (pure): where it goes, and the extra ffmpeg outputs that feed it. The video and audio
 * capture processes each write a second output, H.264 or AAC in FLV, to their fd 3, which letsrobot reads
 * (see broadcast.ts); one capture serves the relay and the broadcast.
 */
/** Where the broadcast goes: the RTMP ingest, the stream key, and what the ingest is told about the stream. */
export interface BroadcastTarget {
  ingest: Ingest;
  /** The stream key (the stream name in `publish`): a secret. */
  streamKey: string;
  /** Shown to the ingest as onMetaData (Twitch's inspector reads it). */
  metadata: { width: number; height: number; fps: number; videoKbps: number; audioKbps?: number };
}

export interface BroadcastPlan {
  target: BroadcastTarget;
  encoder: H264Encoder;
  /** The ingest and stream name with the key redacted, for people. */
  shown: string;
}

/** Seconds between keyframes: Twitch's requirement. */
const BROADCAST_KEYFRAME_SECONDS = 2;

/** FLV on fd 3, each packet written at once. */
const FLV_OUT = ["-f", "flv", "-flvflags", "no_duration_filesize", "-flush_packets", "1", "pipe:3"];

export function broadcastSize(config: Config): { width: number; height: number } {
  return { width: config.twitch.width || config.video.width, height: config.twitch.height || config.video.height };
}

/** Twitch keys look like live_<digits>_<letters and digits>; other ingests take any printable name. */
export function streamKeyProblem(key: string, ingest: string): string | undefined {
  if (!key) return "twitch.stream_key is empty";
  if (/\s/.test(key)) return "twitch.stream_key contains spaces or line breaks (copied with extra text?)";
  if (!/^[\x21-\x7e]+$/.test(key) || key.length > 256) return "twitch.stream_key has characters a stream key never has";
  if (/(^|\.)twitch\.tv$/i.test(hostOf(ingest)) && !/^live_\d+_[A-Za-z0-9]{20,}$/.test(key)) {
    return "twitch.stream_key does not look like a Twitch key (live_<digits>_<letters and digits>)";
  }
  return undefined;
}

function hostOf(ingest: string): string {
  try {
    return new URL(ingest).hostname;
  } catch {
    return "";
  }
}

export function broadcastIngest(config: Config): Ingest {
  try {
    return parseIngest(config.twitch.ingest);
  } catch (error) {
    throw new ConfigError(`twitch.ingest: ${(error as Error).message}`, "set twitch.ingest to an address such as rtmp://live.twitch.tv/app (the key goes in twitch.stream_key)");
  }
}

/** Config → the broadcast, or undefined when no stream key is set. The H.264 encoder is `video.encoder`'s. */
export function toBroadcastPlan(config: Config, devices: KnownDevices = {}): BroadcastPlan | undefined {
  const key = config.twitch.stream_key;
  if (!key) return undefined;
  const problem = streamKeyProblem(key, "");
  if (problem) throw new ConfigError(problem, "paste the key again from your Twitch dashboard into letsrobot.toml or LETSROBOT_TWITCH_STREAM_KEY");
  if (!config.video.enabled) throw new ConfigError("twitch.stream_key is set but video.enabled is false: a broadcast needs video", "set video.enabled = true, or remove twitch.stream_key");
  const ingest = broadcastIngest(config);
  const { width, height } = broadcastSize(config);
  const encoder = h264Encoder(config.video, devices);
  return {
    target: {
      ingest,
      streamKey: key,
      metadata: { width, height, fps: config.video.fps, videoKbps: config.twitch.video_bitrate_kbps, audioKbps: config.audio.enabled ? config.twitch.audio_bitrate_kbps : undefined },
    },
    encoder,
    shown: `${ingest.tcUrl}/***`,
  };
}

/** The video capture's second output: the filter chain at the broadcast size, H.264, FLV on fd 3. */
export function broadcastVideoArgs(plan: BroadcastPlan, filters: string, fps: number): string[] {
  const { width, height, videoKbps } = plan.target.metadata;
  const encoder = h264Args({ encoder: plan.encoder, fps, bitrateKbps: videoKbps, keyframeSeconds: BROADCAST_KEYFRAME_SECONDS, broadcast: { width, height } });
  return ["-an", "-vf", filters, "-pix_fmt", "yuv420p", "-r", String(fps), ...encoder, ...FLV_OUT];
}

/** The audio capture's second output: AAC-LC in FLV on fd 3. */
export function broadcastAudioArgs(plan: BroadcastPlan, audio: Config["audio"]): string[] {
  const kbps = plan.target.metadata.audioKbps ?? 128;
  return ["-vn", "-codec:a", "aac", "-b:a", `${kbps}k`, "-ar", String(audio.rate), "-ac", String(audio.channels), ...FLV_OUT];
}
