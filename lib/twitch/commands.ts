/**
 * Which chat words and panel buttons are robot commands. Pure: `!f` → "F" through prefixes and aliases.
 * The robot words themselves (F B L R U D stop, custom ones) are what `planCommand` in lib/hardware/driver.ts
 * understands; this file only decides which viewer input names which word.
 */

export type TwitchRole = "broadcaster" | "moderator" | "viewer" | "external";
export type KeyPosition = "" | "down" | "up";

/**
 * A robot command from Twitch, chat or extension. Structurally a `RobotCommand` (command, user, anonymous,
 * keyPosition) plus where it came from and who sent it.
 */
export interface TwitchCommand {
  source: "chat" | "extension";
  /** A robot command word, e.g. "F" or "stop". */
  command: string;
  /** Chat: the display name. Extension: the `opaque_user_id` claim. A vote winner: "twitch-vote". */
  user: string;
  /** Chat: the `user-id` tag. Extension: the `user_id` claim when the viewer shared it, else "". */
  userId: string;
  /** Extension viewers who are logged out (opaque id starting with "A"). Chat users never are. */
  anonymous: boolean;
  /** Moderator or broadcaster. */
  mod: boolean;
  role: TwitchRole;
  /** "" = a pulse (chat); "down"/"up" = a held panel button pressed/released. */
  keyPosition: KeyPosition;
  /** Vote mode: how many votes the winner had out of how many. */
  votes?: { winner: number; total: number };
}

/** Chat words understood without configuration (case-insensitive). */
const builtinAliases: Readonly<Record<string, string>> = {
  f: "F",
  fwd: "F",
  forward: "F",
  b: "B",
  back: "B",
  backward: "B",
  l: "L",
  left: "L",
  r: "R",
  right: "R",
  s: "stop",
  stop: "stop",
  u: "U",
  up: "U",
  d: "D",
  down: "D",
};

/** Commands that make the robot safer: never rate-limited, never put to a vote, never mod-only. */
const safetyCommands: ReadonlySet<string> = new Set(["stop"]);

export interface Vocabulary {
  /** Longest first, so `!!` wins over `!`. May contain "" (bare words are commands). */
  prefixes: readonly string[];
  /** Lower-case chat word → robot command word. */
  aliases: ReadonlyMap<string, string>;
  /** Lower-case robot word → its spelling, for every word an alias leads to. */
  commands: ReadonlyMap<string, string>;
  /** Lower-case robot words only moderators and the broadcaster may use. */
  modOnly: ReadonlySet<string>;
}

/** Built-in aliases plus the configured ones; an alias mapped to "" removes that word. */
export function buildVocabulary(options: { prefixes: readonly string[]; aliases: Record<string, string>; modOnly: readonly string[] }): Vocabulary {
  const aliases = new Map<string, string>(Object.entries(builtinAliases));
  for (const [word, command] of Object.entries(options.aliases)) {
    const key = word.trim().toLowerCase();
    if (!key) continue;
    if (command.trim()) aliases.set(key, command.trim());
    else aliases.delete(key);
  }
  const commands = new Map<string, string>();
  for (const command of aliases.values()) commands.set(command.toLowerCase(), command);
  const modOnly = new Set(options.modOnly.map((c) => c.trim().toLowerCase()).filter((c) => c && !safetyCommands.has(c)));
  const prefixes = [...new Set(options.prefixes)].sort((a, b) => b.length - a.length);
  return { prefixes, aliases, commands, modOnly };
}

/** Zero-width and tag characters chat clients add (e.g. U+E0000 to dodge Twitch's duplicate-message filter). */
const invisible = /[\u200B-\u200D\u2060\uFEFF]|\u{E0000}/gu;

/** The robot command a chat message asks for: prefix + alias as its first word; undefined when it is not one. */
export function commandFromChat(text: string, vocabulary: Vocabulary): string | undefined {
  const clean = text.replace(invisible, "").trim();
  for (const prefix of vocabulary.prefixes) {
    if (!clean.toLowerCase().startsWith(prefix.toLowerCase())) continue;
    const word = clean.slice(prefix.length).split(/\s+/, 1)[0] ?? "";
    if (!word) continue;
    const command = vocabulary.aliases.get(word.toLowerCase());
    if (command) return command;
  }
  return undefined;
}

/** A word from a panel button: a robot command word or an alias; undefined when unknown. */
export function resolveCommand(word: string, vocabulary: Vocabulary): string | undefined {
  const key = word.trim().toLowerCase();
  if (!key) return undefined;
  return vocabulary.commands.get(key) ?? vocabulary.aliases.get(key);
}

export function isModOnly(command: string, vocabulary: Vocabulary): boolean {
  return vocabulary.modOnly.has(command.toLowerCase());
}

export function isSafety(command: string): boolean {
  return safetyCommands.has(command.toLowerCase());
}
