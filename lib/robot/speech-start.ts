import type { Config } from "../config/schema.ts";
import type { LetsrobotError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RunProcess } from "../process/run.ts";
import { SpeechQueue } from "../speech/queue.ts";
import { createSpeaker } from "../speech/speaker.ts";
import type { Clock } from "../clock.ts";
import type { RobotEvent } from "./events.ts";
import type { Lifecycle } from "../process/lifecycle.ts";

/** Speech for `run` (both protocols): the queue, or why chat is not spoken (said once, here, as a warning). */
export type Speech = { queue: SpeechQueue; off?: undefined } | { queue?: undefined; off: string };

export async function startSpeech(
  config: Config,
  deps: { runProcess: RunProcess; log: Logger; clock: Clock; procRoot?: string; emit: (event: RobotEvent) => void },
  life: Lifecycle,
): Promise<Speech> {
  const { log } = deps;
  if (!config.tts.enabled || config.tts.engine === "none") return { off: "speech is off (tts.enabled)" };
  let speaker: Awaited<ReturnType<typeof createSpeaker>>;
  try {
    speaker = await createSpeaker(config.tts, { runProcess: deps.runProcess, log, procRoot: deps.procRoot });
  } catch (error) {
    const { message, hint } = error as LetsrobotError;
    log.warn(`${message}; chat will not be spoken${hint ? ` (${hint})` : ""}`);
    return { off: message };
  }
  if (!speaker) return { off: "speech is off" };
  life.add("speaker", () => speaker.close());
  const queue = new SpeechQueue({
    say: (t, v, signal) => speaker.say(t, v, signal),
    clock: deps.clock,
    delayMs: config.tts.delay_ms,
    volume: config.tts.volume,
    log,
    onSpoken: (i) => deps.emit({ type: "spoken", user: i.user, text: i.text }),
  });
  life.add("speech queue", () => queue.stop());
  log.info(`speech: ${speaker.describe}`);
  return { queue };
}
