import type { Config } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import { redact } from "../log.ts";
import { type BroadcastPlan, broadcastAudioArgs, broadcastSize, broadcastVideoArgs } from "./broadcast-plan.ts";
import { type H264Encoder, h264Args, h264Encoder } from "./h264.ts";
import { audioInput, type KnownDevices, type SourceInput, videoInput } from "./sources.ts";

/**
 * The stream plan as data: two ffmpeg processes, video (MPEG-1, or H.264 with `video.format = "h264"`) and
 * audio (MP2, or AAC with H.264), each writing MPEG-TS to its stdout; letsrobot POSTs those bytes to the relay, so the stream key (part of the URL) is
 * never in ffmpeg's argv and never in a process listing.
 */
export interface StreamTarget {
  relayHost: string;
  videoPort: number;
  audioPort: number;
  streamKey: string;
  xres: number;
  yres: number;
}

export type MediaKind = "video" | "audio";

export interface FfmpegPlan {
  kind: MediaKind;
  /** What feeds it, in words. */
  source: string;
  /** The codec (and encoder) it sends, in words: "MPEG-1", "H.264 (libx264)", "MP2", "AAC". */
  codec?: string;
  /** ffmpeg's full command line, program first. Never contains the stream key. */
  argv: string[];
  /** A program whose stdout feeds ffmpeg's stdin (Raspberry Pi camera), or undefined. */
  feeder?: string[];
  /** Where the MPEG-TS is POSTed. Contains the stream key: redact before showing. */
  url: string;
  /** ffmpeg also writes the broadcast's FLV to its fd 3 (see broadcast-plan.ts). */
  flv?: boolean;
}

export interface StreamPlan {
  video?: FfmpegPlan;
  audio?: FfmpegPlan;
  /** The broadcast to an RTMP ingest (Twitch) fed by the same processes, when configured. */
  broadcast?: BroadcastPlan;
  /** Values to redact wherever the plan is shown. */
  secrets: string[];
}

export interface PlanOptions {
  /** Written on the test pattern. */
  robotName?: string;
  /** Add the broadcast's outputs to the capture processes. */
  broadcast?: BroadcastPlan;
}

/** Frame rates the MPEG-1 encoder accepts; the output uses the first one at or above the capture rate. */
const MPEG1_RATES = [24, 25, 30, 50, 60] as const;

/** Every ffmpeg we start: quiet logs, machine-readable progress on stderr twice a second, no keyboard. */
export const FFMPEG_GLOBAL = ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning", "-progress", "pipe:2", "-stats_period", "0.5"];

/** MPEG-TS muxing tuned for latency: no mux delay, each packet flushed at once, PES lengths written. */
const TS_OUT = ["-f", "mpegts", "-muxdelay", "0.001", "-muxpreload", "0", "-flush_packets", "1"];

export function ingestUrl(kind: MediaKind, target: StreamTarget): string {
  const port = kind === "video" ? target.videoPort : target.audioPort;
  const [x, y] = kind === "video" ? [target.xres, target.yres] : [640, 480];
  return `http://${target.relayHost}:${port}/${encodeURIComponent(target.streamKey)}/${x}/${y}/`;
}

export function outputRate(fps: number): number {
  return MPEG1_RATES.find((r) => r >= fps) ?? 60;
}

function safeLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9 _.-]/g, "").slice(0, 40);
}

/** The video filter chain: picture adjustments, rotation, mirror, output size, then the test overlay. */
export function videoFilters(video: Config["video"], size: { xres: number; yres: number }, overlay?: { robotName?: string }): string {
  if (![0, 90, 180, 270].includes(video.rotate)) {
    throw new ConfigError(`video.rotate must be 0, 90, 180 or 270, got ${video.rotate}`, "set video.rotate to a multiple of 90");
  }
  const filters: string[] = [];
  if (video.brightness !== 0 || video.contrast !== 1) filters.push(`eq=brightness=${video.brightness}:contrast=${video.contrast}`);
  if (video.rotate === 90) filters.push("transpose=clock");
  if (video.rotate === 180) filters.push("hflip", "vflip");
  if (video.rotate === 270) filters.push("transpose=cclock");
  if (video.flip) filters.push("hflip");
  filters.push(`scale=${size.xres}:${size.yres}`);
  if (overlay) {
    const name = safeLabel(overlay.robotName ?? "letsrobot") || "letsrobot";
    const box = "fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6";
    filters.push(`drawtext=text='%{localtime\\:%T}':x=10:y=10:fontsize=24:${box}`);
    filters.push(`drawtext=text='${name}':x=(w-tw)/2+(w-tw)/2*sin(t):y=h-th-20:fontsize=28:${box}`);
  }
  return filters.join(",");
}

/**
 * Encoder and muxer arguments for video, shared with the benchmarks. MPEG-1: `-flags +low_delay` stops the
 * encoder from holding one picture back (it otherwise keeps a frame of delay even without B-frames; ffmpeg
 * accepts the flag for MPEG-1 only with `-strict unofficial`, and the bitstream is unchanged). H.264: no
 * B-frames, no look-ahead (`-tune zerolatency`), a key frame every second so a new viewer starts within one,
 * and parameter sets before every key frame (MPEG-TS has no global header); libx264's `fast` preset reaches
 * MPEG-1's quality at under a third of its bitrate (`bun bench/run.ts h264`). The muxer writes its tables
 * once a second instead of ten times (it writes them before each key frame anyway), which saves ~27 kbit/s.
 * One encoder thread keeps every picture's latency the same.
 */
export function videoOutputArgs(video: Config["video"], filters: string, encoder: H264Encoder = "libx264"): string[] {
  const rate = outputRate(video.fps);
  const head = ["-an", "-vf", filters, "-pix_fmt", "yuv420p", "-r", String(rate)];
  const tail = [...TS_OUT, "-omit_video_pes_length", "0", "pipe:1"];
  if (video.format !== "h264") {
    return [...head, "-codec:v", "mpeg1video", "-b:v", `${video.bitrate_kbps}k`, "-bf", "0", "-g", String(rate), "-flags", "+low_delay", "-strict", "unofficial", "-threads", "1", ...tail];
  }
  const h264 = h264Args({ encoder, fps: rate, bitrateKbps: video.bitrate_kbps, keyframeSeconds: 1, threads: 1, inBandHeaders: true, preset: "fast" });
  return [...head, ...h264, "-pat_period", "1", ...tail];
}

/**
 * Encoder and muxer arguments for audio, shared with the benchmarks: MP2 beside MPEG-1, AAC (ADTS) beside
 * H.264. Audio gets its own PIDs (PMT 0x1100, stream 0x110) so a relay that mixes both uploads into one
 * viewer socket stays demuxable; each audio frame is its own PES, sent at once.
 */
export function audioOutputArgs(audio: Config["audio"], format = "mpeg1"): string[] {
  return [
    "-vn", "-codec:a", format === "h264" ? "aac" : "mp2", "-b:a", `${audio.bitrate_kbps}k`, "-ar", String(audio.rate), "-ac", String(audio.channels),
    ...TS_OUT, "-pes_payload_size", "0", "-mpegts_pmt_start_pid", "0x1100", "-mpegts_start_pid", "0x110", "pipe:1",
  ];
}

function ffmpegPlan(kind: MediaKind, codec: string, input: SourceInput, output: string[], target: StreamTarget, flv?: string[]): FfmpegPlan {
  const plan: FfmpegPlan = { kind, codec, source: input.label, argv: [...FFMPEG_GLOBAL, ...input.args, ...output, ...(flv ?? [])], feeder: input.feeder, url: ingestUrl(kind, target) };
  if (flv) plan.flv = true;
  return plan;
}

/** Config + relay target → the two ffmpeg commands. Throws ConfigError/MediaError naming the problem. */
export function toStreamPlan(config: Config, target: StreamTarget, devices: KnownDevices = {}, options: PlanOptions = {}): StreamPlan {
  if (!config.video.enabled && !config.audio.enabled) {
    throw new ConfigError("video and audio are both disabled: nothing to stream", "set video.enabled or audio.enabled to true");
  }
  const plan: StreamPlan = { secrets: target.streamKey ? [target.streamKey, encodeURIComponent(target.streamKey)] : [] };
  const broadcast = options.broadcast;
  if (broadcast) {
    plan.broadcast = broadcast;
    plan.secrets.push(broadcast.target.streamKey);
  }
  if (config.video.enabled) {
    const input = videoInput(config.video, devices);
    const overlay = input.overlay ? { robotName: options.robotName } : undefined;
    const filters = videoFilters(config.video, target, overlay);
    const encoder = h264Encoder(config.video, devices);
    const codec = config.video.format === "h264" ? `H.264 (${encoder})` : "MPEG-1";
    const size = broadcastSize(config);
    const flv = broadcast && broadcastVideoArgs(broadcast, videoFilters(config.video, { xres: size.width, yres: size.height }, overlay), outputRate(config.video.fps));
    plan.video = ffmpegPlan("video", codec, input, videoOutputArgs(config.video, filters, encoder), target, flv);
  }
  if (config.audio.enabled) {
    const codec = config.video.format === "h264" ? "AAC" : "MP2";
    const flv = broadcast && broadcastAudioArgs(broadcast, config.audio);
    plan.audio = ffmpegPlan("audio", codec, audioInput(config.audio, devices), audioOutputArgs(config.audio, config.video.format), target, flv);
  }
  if (/^https?:\/\/[^/]*@/.test(config.video.url)) plan.secrets.push(config.video.url);
  return plan;
}

/** argv with every secret replaced by ***. */
export function redactArgv(argv: string[], secrets: string[]): string[] {
  return argv.map((arg) => redact(arg, secrets));
}

/** One argument as shell text, quoted only when needed. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The plan as the shell lines `--dry-run` prints, secrets redacted. */
export function describePlan(plan: StreamPlan): string[] {
  const lines: string[] = [];
  for (const p of [plan.video, plan.audio]) {
    if (!p) continue;
    const feeder = p.feeder ? `${p.feeder.map(shellQuote).join(" ")} | ` : "";
    lines.push(`# ${p.kind}${p.codec ? ` ${p.codec}` : ""}: ${redact(p.source, plan.secrets)} → POST ${redact(p.url, plan.secrets)}`);
    lines.push(`${feeder}${redactArgv(p.argv, plan.secrets).map(shellQuote).join(" ")}`);
  }
  if (plan.broadcast) {
    const { width, height, videoKbps } = plan.broadcast.target.metadata;
    lines.push(`# broadcast: H.264 (${plan.broadcast.encoder}, ${width}x${height}, ${videoKbps} kbit/s CBR) + AAC from fd 3 of the processes above → RTMP ${plan.broadcast.shown}`);
  }
  return lines;
}
