import type { Config } from "../config/schema.ts";
import { MediaError } from "../errors.ts";
import { type BoundedDeps, runBounded } from "./bounded.ts";
import { type Level, levelOf } from "./level.ts";
import { FFMPEG_GLOBAL } from "./plan.ts";
import { audioInput, type KnownDevices } from "./sources.ts";

/** `letsrobot mic`: record a few seconds as 16-bit mono PCM, measure levels live, play it back. */
export interface MicPlan {
  source: string;
  argv: string[];
  rate: number;
  seconds: number;
}

export interface Recording {
  source: string;
  samples: Int16Array;
  rate: number;
  level: Level;
}

/** Pure: record `seconds` of the configured microphone to 16-bit mono PCM on stdout. */
export function toMicPlan(audio: Config["audio"], devices: KnownDevices, seconds: number): MicPlan {
  const input = audioInput(audio, devices);
  const timed = input.args.slice(0, -2).concat(["-t", String(seconds)], input.args.slice(-2));
  return { source: input.label, rate: audio.rate, seconds, argv: [...FFMPEG_GLOBAL, ...timed, "-vn", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", String(audio.rate), "pipe:1"] };
}

/** Pure: play a WAV file on an ALSA device (plughw:CARD=<id> or default). */
export function toPlaybackArgv(wavPath: string, pcm: string): string[] {
  return ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning", "-i", wavPath, "-f", "alsa", pcm];
}

/** Record, calling onLevel about ten times a second with the level of the latest tenth of a second. */
export async function recordMic(plan: MicPlan, deps: BoundedDeps, onLevel?: (level: Level) => void): Promise<Recording> {
  const chunks: Uint8Array[] = [];
  let pending = new Uint8Array(0);
  const window = Math.round(plan.rate / 10) * 2;
  const result = await runBounded(plan.argv, deps, {
    timeoutMs: (plan.seconds + 10) * 1000,
    onStdout: (chunk) => {
      chunks.push(chunk);
      if (!onLevel) return;
      const joined = new Uint8Array(pending.length + chunk.length);
      joined.set(pending);
      joined.set(chunk, pending.length);
      let at = 0;
      for (; at + window <= joined.length; at += window) onLevel(levelOf(new Int16Array(joined.slice(at, at + window).buffer)));
      pending = joined.slice(at);
    },
  });
  if (result.interrupted) throw new MediaError("recording interrupted", "run it again and let it finish");
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  chunks.reduce((at, c) => (bytes.set(c, at), at + c.byteLength), 0);
  const samples = new Int16Array(bytes.buffer, 0, Math.floor(bytes.byteLength / 2));
  if (samples.length === 0) {
    const why = result.timedOut ? "no sound arrived in time" : (result.error ?? `ffmpeg exited with code ${result.code}`);
    throw new MediaError(`cannot record from ${plan.source}: ${why}`, "check `letsrobot mic --list`, and that no other program holds the microphone");
  }
  return { source: plan.source, samples, rate: plan.rate, level: levelOf(samples) };
}
