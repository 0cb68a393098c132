import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { systemRoots } from "../lib/deps.ts";
import { MediaError } from "../lib/errors.ts";
import { runBounded } from "../lib/media/bounded.ts";
import { listSoundCards } from "../lib/media/devices.ts";
import { formatDb, judgeLevel, meter, toWav } from "../lib/media/level.ts";
import { recordMic, toMicPlan, toPlaybackArgv } from "../lib/media/mic.ts";
import { resolveSpeaker } from "../lib/media/sources.ts";
import { formatTable } from "../lib/output.ts";
import { spawnGroup } from "../lib/process/group.ts";
import { mediaFlags, outputFile, secondsFlag } from "./args.ts";

export const micAction: Action<"mic"> = async (args, deps) => {
  const cards = listSoundCards(systemRoots(deps.env).proc);
  if (args.list) {
    const rows = cards.map((c) => ({ id: c.id, name: c.name, capture: c.capture, playback: c.playback, alsa: `plughw:CARD=${c.id}` }));
    if (args.json) return deps.out.json({ cards: rows });
    if (rows.length === 0) return deps.out.text("no sound cards found");
    deps.out.text(formatTable(["id", "name", "capture", "playback", "alsa device"], rows.map((r) => [r.id, r.name, r.capture ? "yes" : "-", r.playback ? "yes" : "-", r.alsa])));
    return;
  }
  const seconds = secondsFlag(args.seconds, "--seconds") ?? 3;
  const { config } = resolveConfig({ path: args.config, flags: mediaFlags(args), env: deps.env, cwd: deps.cwd });
  const speaker = args.play ? resolveSpeaker(args.speaker ?? config.tts.speaker, cards) : undefined;
  const plan = toMicPlan(config.audio, { soundCards: cards }, seconds);
  const saved = args.out ? outputFile(resolve(deps.cwd, args.out), "--out") : undefined;
  deps.log.start(`recording ${plan.source} for ${seconds} s`);
  const live = deps.interactive ? deps.statusLine : undefined;
  const recording = await recordMic(plan, { spawn: spawnGroup, shutdown: deps.shutdown }, live ? (level) => live(`level ${meter(level.peakDb)}`) : undefined);
  live?.("");

  const { level } = recording;
  const verdict = judgeLevel(level);
  if (saved) writeFileSync(saved, toWav(recording.samples, recording.rate));
  if (args.json) deps.out.json({ source: recording.source, seconds, peakDbfs: level.peakDb, rmsDbfs: level.rmsDb, clippedSamples: level.clipped, verdict, file: saved });
  else deps.out.text(`peak ${formatDb(level.peakDb)}  rms ${formatDb(level.rmsDb)}  (${recording.source}, ${seconds} s)${saved ? `\n${saved}` : ""}`);
  if (verdict === "silent") deps.log.warn(`the microphone recorded silence (peak ${formatDb(level.peakDb)}): is it muted or unplugged? check with alsamixer`);
  if (verdict === "clipping") deps.log.warn(`the sound is clipping (${level.clipped} samples at full scale): lower the microphone gain in alsamixer`);

  if (speaker) {
    const wav = saved ?? join(mkdtempSync(join(tmpdir(), "letsrobot-mic-")), "recording.wav");
    if (!saved) writeFileSync(wav, toWav(recording.samples, recording.rate));
    deps.log.start(`playing back on ${speaker.label}`);
    const played = await runBounded(toPlaybackArgv(wav, speaker.pcm), { spawn: spawnGroup, shutdown: deps.shutdown }, { timeoutMs: (seconds + 10) * 1000 });
    if (played.code !== 0 && !played.interrupted) {
      const why = played.error ?? `ffmpeg exited with code ${played.code}`;
      throw new MediaError(`cannot play on ${speaker.label}: ${why}`, "pick a speaker with --speaker from `letsrobot mic --list`");
    }
  }
};
