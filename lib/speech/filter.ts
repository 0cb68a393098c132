import type { Config } from "../config/schema.ts";

/** Why a chat message is not spoken (for the event log), or the text to speak. */
export type SpeechDecision = { speak: true; text: string } | { speak: false; reason: string };

const URL_PATTERN = /\b(?:https?:\/\/|ftp:\/\/|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|tv|gg|ly|me|co|uk|de|ru|info|xyz)(?:\/\S*)?/gi;

/** Links removed (so the robot never reads out a URL). */
export function withoutUrls(text: string): string {
  return text.replace(URL_PATTERN, " ").replace(/\s+/g, " ").trim();
}

/** Control characters out, whitespace collapsed. */
function cleanText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, " ").replace(/\s+/g, " ").trim();
}

/** Cut at `max` characters, on a word boundary when one is near. */
export function cutToLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return (space > max * 0.6 ? cut.slice(0, space) : cut).trim();
}

/** Decide whether and what to say for one chat message. Pure. */
export function speechFor(
  message: { text: string; anonymous: boolean },
  tts: Pick<Config["tts"], "filter_urls" | "allow_anonymous" | "max_length">,
): SpeechDecision {
  if (message.anonymous && !tts.allow_anonymous) return { speak: false, reason: "anonymous messages are not spoken" };
  if (message.text.startsWith(".")) return { speak: false, reason: "chat command" };
  let text = cleanText(message.text);
  if (tts.filter_urls) text = withoutUrls(text);
  text = cutToLength(text, tts.max_length);
  if (!/[\p{L}\p{N}]/u.test(text)) return { speak: false, reason: "nothing to say" };
  return { speak: true, text };
}
