import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { ConfigError, MediaError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { listSoundCards } from "../media/devices.ts";
import { resolveSpeaker } from "../media/sources.ts";
import { type GroupSpawner, spawnGroup } from "../process/group.ts";
import type { RunProcess } from "../process/run.ts";
import { engineProgram, isEngineName, outputStep, type SpeechOutput, type Step, synthStep } from "./engines.ts";

export interface Speaker {
  /** Where speech goes, in words (for the start-up log). */
  readonly describe: string;
  /** Speak; aborting `signal` kills the engine or player at once (shutdown, `.tts mute`). */
  say(text: string, volume: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

export interface SpeakerDeps {
  /** Checks that the engine is installed. */
  runProcess: RunProcess;
  /** Runs the engine and the player in their own process group (killed with letsrobot, never orphaned). */
  spawn?: GroupSpawner;
  log: Logger;
  procRoot?: string;
}

/** The longest one engine or sox run may take before it is killed. */
const STEP_TIMEOUT_MS = 60_000;

/**
 * Why speech cannot be heard, or undefined: with no tts.speaker and no tts.output_dir speech goes to ALSA's
 * default device, and with no sound card that can play there is none (every message would fail). Shared by
 * `run` (one warning, chat not spoken) and `doctor`.
 */
export function noSpeaker(tts: Config["tts"], procRoot = "/proc"): MediaError | undefined {
  if (tts.output_dir || tts.speaker || listSoundCards(procRoot).some((c) => c.playback)) return undefined;
  return new MediaError("no speaker: this machine has no sound card that can play", 'plug in a speaker or USB sound card; set tts.speaker = "default" to play through PulseAudio/PipeWire anyway, or tts.output_dir to record speech to WAV files');
}

/** Where speech goes: tts.output_dir (one WAV per message) or the speaker chosen by ALSA card name. */
function speechOutput(tts: Config["tts"], procRoot = "/proc"): { output: (n: number) => SpeechOutput; describe: string } {
  if (tts.output_dir) {
    mkdirSync(tts.output_dir, { recursive: true });
    return { output: (n) => ({ kind: "file", path: join(tts.output_dir, `speech-${String(n).padStart(6, "0")}.wav`) }), describe: `WAV files in ${tts.output_dir}` };
  }
  const speaker = resolveSpeaker(tts.speaker, tts.speaker ? listSoundCards(procRoot) : []);
  return { output: () => ({ kind: "alsa", pcm: speaker.pcm }), describe: `speaker ${speaker.label}` };
}

async function runStep(step: Step, deps: SpeakerDeps, signal?: AbortSignal): Promise<void> {
  const program = step.argv[0] ?? "";
  if (signal?.aborted) throw new Error("cancelled");
  let child: ReturnType<GroupSpawner>;
  try {
    child = (deps.spawn ?? spawnGroup)(step.argv, { stdin: step.stdin === undefined ? "ignore" : "pipe" });
  } catch (error) {
    throw new ConfigError(`${program} is not installed`, `install it (e.g. sudo apt install ${program === "sox" ? "sox" : program}) or set tts.engine`, { cause: error });
  }
  if (step.stdin !== undefined) {
    child.stdin?.write(step.stdin);
    void child.stdin?.end();
  }
  let timedOut = false;
  const onAbort = () => void child.stop(500);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(500);
  }, STEP_TIMEOUT_MS);
  try {
    const [, stderr, code] = await Promise.all([new Response(child.stdout).arrayBuffer(), new Response(child.stderr).text(), child.exited]);
    if (signal?.aborted) throw new Error("cancelled");
    if (timedOut) throw new Error(`${program} took longer than ${STEP_TIMEOUT_MS} ms`);
    if (code !== 0) throw new Error(`${program} exited with ${code ?? "a signal"}: ${stderr.trim().split("\n")[0] ?? ""}`);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** A speaker for the configured engine, or undefined when speech is off. Checks the engine is installed. */
export async function createSpeaker(tts: Config["tts"], deps: SpeakerDeps): Promise<Speaker | undefined> {
  if (!tts.enabled || tts.engine === "none") return undefined;
  const engine = tts.engine;
  if (!isEngineName(engine)) throw new ConfigError(`unknown tts.engine "${engine}"`, 'use "espeak-ng", "festival", "pico" or "none"');
  const program = engineProgram[engine];
  const probe = await deps.runProcess(program, engine === "espeak-ng" ? ["--version"] : ["--help"], { timeoutMs: 5000 });
  if (probe.missing) {
    throw new ConfigError(`text-to-speech engine ${program} is not installed`, `install it (sudo apt install ${engine === "pico" ? "libttspico-utils" : engine}), or set tts.engine = "none"`);
  }
  const silent = noSpeaker(tts, deps.procRoot);
  if (silent) throw silent;
  const { output, describe } = speechOutput(tts, deps.procRoot);
  const work = mkdtempSync(join(tmpdir(), "letsrobot-speech-"));
  let count = 0;
  return {
    describe: `${engine} → ${describe}`,
    async say(text, volume, signal) {
      count += 1;
      const wav = join(work, `${count}.wav`);
      try {
        await runStep(synthStep(engine, text, tts.voice, wav), deps, signal);
        await runStep(outputStep(wav, volume, output(count)), deps, signal);
      } finally {
        rmSync(wav, { force: true });
      }
    },
    close() {
      rmSync(work, { recursive: true, force: true });
    },
  };
}
