/**
 * How each text-to-speech engine is run, as data. Every engine synthesises into a WAV file; sox then
 * applies the volume and plays it on the chosen ALSA device, or writes it to a file (tts.output_dir).
 * The text goes through stdin where the engine allows it, so chat text never turns into an option.
 */
export type EngineName = "espeak-ng" | "festival" | "pico";

export function isEngineName(name: string): name is EngineName {
  return name === "espeak-ng" || name === "festival" || name === "pico";
}

export interface Step {
  argv: string[];
  stdin?: string;
}

export const engineProgram: Record<EngineName, string> = {
  "espeak-ng": "espeak-ng",
  festival: "text2wave",
  pico: "pico2wave",
};

/** The synthesis step: text → WAV at `wav`. */
export function synthStep(engine: EngineName, text: string, voice: string, wav: string): Step {
  switch (engine) {
    case "espeak-ng":
      return { argv: ["espeak-ng", "-v", voice || "en", "-w", wav, "--stdin"], stdin: text };
    case "festival":
      return { argv: ["text2wave", "-o", wav], stdin: text };
    case "pico":
      return { argv: ["pico2wave", "-l", picoLanguage(voice), "-w", wav, "--", text] };
  }
}

/** pico2wave knows a few locales; "en" means en-US. */
export function picoLanguage(voice: string): string {
  const known = ["en-US", "en-GB", "de-DE", "es-ES", "fr-FR", "it-IT"];
  return known.find((l) => l.toLowerCase() === voice.toLowerCase()) ?? known.find((l) => l.startsWith(`${voice.slice(0, 2).toLowerCase()}-`)) ?? "en-US";
}

/** Where the speech goes: an ALSA PCM name (`plughw:CARD=…`, `default`) or a WAV file. */
export type SpeechOutput = { kind: "alsa"; pcm: string } | { kind: "file"; path: string };

/** The output step: volume applied, played or written. */
export function outputStep(wav: string, volumePercent: number, output: SpeechOutput): Step {
  const factor = (Math.max(0, Math.min(100, volumePercent)) / 100).toFixed(2);
  const destination = output.kind === "file" ? [output.path] : ["-t", "alsa", output.pcm];
  return { argv: ["sox", "-q", "-v", factor, wav, ...destination] };
}
