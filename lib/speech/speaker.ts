import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { listSoundCards } from "../media/devices.ts";
import { resolveSpeaker } from "../media/sources.ts";
import type { RunProcess } from "../process/run.ts";
import { engineProgram, isEngineName, outputStep, type SpeechOutput, type Step, synthStep } from "./engines.ts";

export interface Speaker {
  /** Where speech goes, in words (for the start-up log). */
  readonly describe: string;
  say(text: string, volume: number): Promise<void>;
  close(): void;
}

export interface SpeakerDeps {
  runProcess: RunProcess;
  log: Logger;
  procRoot?: string;
}

/** The longest one engine or sox run may take before it is killed. */
const STEP_TIMEOUT_MS = 60_000;

/** Where speech goes: tts.output_dir (one WAV per message) or the speaker chosen by ALSA card name. */
export function speechOutput(tts: Config["tts"], procRoot = "/proc"): { output: (n: number) => SpeechOutput; describe: string } {
  if (tts.output_dir) {
    mkdirSync(tts.output_dir, { recursive: true });
    return { output: (n) => ({ kind: "file", path: join(tts.output_dir, `speech-${String(n).padStart(6, "0")}.wav`) }), describe: `WAV files in ${tts.output_dir}` };
  }
  const speaker = resolveSpeaker(tts.speaker, tts.speaker ? listSoundCards(procRoot) : []);
  return { output: () => ({ kind: "alsa", pcm: speaker.pcm }), describe: `speaker ${speaker.label}` };
}

async function runStep(step: Step, deps: SpeakerDeps): Promise<void> {
  const [cmd = "", ...args] = step.argv;
  const result = await deps.runProcess(cmd, args, {
    timeoutMs: STEP_TIMEOUT_MS,
    stdin: step.stdin === undefined ? undefined : new TextEncoder().encode(step.stdin),
  });
  if (result.missing) throw new ConfigError(`${cmd} is not installed`, `install it (e.g. sudo apt install ${cmd === "sox" ? "sox" : cmd}) or set tts.engine`);
  if (result.timedOut) throw new Error(`${cmd} took longer than ${STEP_TIMEOUT_MS} ms`);
  if (result.code !== 0) throw new Error(`${cmd} exited with ${result.code}: ${result.stderr.trim().split("\n")[0] ?? ""}`);
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
  const { output, describe } = speechOutput(tts, deps.procRoot);
  const work = mkdtempSync(join(tmpdir(), "letsrobot-speech-"));
  let count = 0;
  return {
    describe: `${engine} → ${describe}`,
    async say(text, volume) {
      count += 1;
      const wav = join(work, `${count}.wav`);
      try {
        await runStep(synthStep(engine, text, tts.voice, wav), deps);
        await runStep(outputStep(wav, volume, output(count)), deps);
      } finally {
        rmSync(wav, { force: true });
      }
    },
    close() {
      rmSync(work, { recursive: true, force: true });
    },
  };
}
