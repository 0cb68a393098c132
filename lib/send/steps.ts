import { UsageError } from "../errors.ts";

/** What `letsrobot send` does, as data: built from flags or from a script, then executed in order. */
export type Step =
  | { kind: "command"; command: string; keyPosition: "" | "down" | "up" }
  | { kind: "chat"; text: string }
  /** A click on the video: `custom_event` `mousedown:X:Y` (X, Y 0..1, five decimals). */
  | { kind: "click"; data: string }
  | { kind: "wait"; ms: number };

export interface SendFlags {
  command?: string;
  chat?: string;
  /** "X,Y", each 0..1 across the picture from the left and the top. */
  click?: string;
  hold?: string;
  repeat?: string;
  interval?: string;
}

const MAX_COMMAND = 64;
const MAX_CHAT = 500;
const MAX_WAIT_MS = 3_600_000;

function count(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`, `e.g. --${name} ${Math.max(min, Math.min(max, fallback || 1))}`);
  return n;
}

function checkCommand(command: string, where: string): string {
  const word = command.trim();
  if (!word) throw new UsageError(`${where}: empty command`, "give a command such as F, B, L, R or stop");
  if (word.length > MAX_COMMAND || /\s/.test(word)) throw new UsageError(`${where}: "${word.slice(0, 40)}" is not a command (one word, at most ${MAX_COMMAND} characters)`, "commands are single words such as F or LED_ON");
  return word;
}

function checkChat(text: string, where: string): string {
  const message = text.trim();
  if (!message) throw new UsageError(`${where}: empty chat message`, 'give the text, e.g. --chat "hello robot"');
  if (message.length > MAX_CHAT) throw new UsageError(`${where}: chat message is ${message.length} characters; the limit is ${MAX_CHAT}`, "send a shorter message");
  return message;
}

function checkClick(text: string, where: string): Step {
  const [x, y, extra] = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (x === undefined || y === undefined || extra !== undefined || !(x >= 0 && x <= 1 && y >= 0 && y <= 1)) {
    throw new UsageError(`${where}: a click is X,Y from 0 to 1 across the picture (left/top = 0), not "${text.trim().slice(0, 40)}"`, "e.g. --click 0.25,0.5 (left of centre)");
  }
  return { kind: "click", data: `mousedown:${x.toFixed(5)}:${y.toFixed(5)}` };
}

/** A command pressed: a plain press, or held for holdMs (down, wait, up). */
function press(command: string, holdMs: number): Step[] {
  if (holdMs <= 0) return [{ kind: "command", command, keyPosition: "" }];
  return [
    { kind: "command", command, keyPosition: "down" },
    { kind: "wait", ms: holdMs },
    { kind: "command", command, keyPosition: "up" },
  ];
}

/** Steps from the command-line flags: one command (held, repeated) or one chat message. */
export function stepsFromFlags(flags: SendFlags): Step[] {
  if ([flags.command || undefined, flags.chat, flags.click].filter((f) => f !== undefined).length > 1) throw new UsageError("give one of a command, --chat or --click", "send them with separate calls, or write a script");
  const repeat = count(flags.repeat, "repeat", 1, 1, 10_000);
  const interval = count(flags.interval, "interval", 0, 0, MAX_WAIT_MS);
  const hold = count(flags.hold, "hold", 0, 0, MAX_WAIT_MS);
  let one: Step[];
  if (flags.chat !== undefined) one = [{ kind: "chat", text: checkChat(flags.chat, "--chat") }];
  else if (flags.click !== undefined) one = [checkClick(flags.click, "--click")];
  else if (flags.command !== undefined) one = press(checkCommand(flags.command, "command"), hold);
  else throw new UsageError("nothing to send", "give a command (letsrobot send F), --chat TEXT, or --script FILE");
  const steps: Step[] = [];
  for (let i = 0; i < repeat; i++) {
    if (i > 0 && interval > 0) steps.push({ kind: "wait", ms: interval });
    steps.push(...one);
  }
  return steps;
}

/**
 * A script, one step per line:
 *   F                 press F
 *   hold F 500        press and hold F for 500 ms (its down is repeated while held)
 *   wait 250          pause
 *   chat hello there  a chat message
 *   click 0.25 0.5    a click on the video (X, Y 0..1 from the left and the top)
 *   # comment         (blank lines too)
 */
export function parseScript(text: string, name = "script"): Step[] {
  const steps: Step[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    const where = `${name}:${index + 1}`;
    if (!line || line.startsWith("#")) continue;
    const [word = "", ...rest] = line.split(/\s+/);
    const verb = word.toLowerCase();
    if (verb === "wait" || verb === "sleep") {
      const ms = Number(rest[0]);
      if (rest.length !== 1 || !Number.isInteger(ms) || ms < 0 || ms > MAX_WAIT_MS) throw new UsageError(`${where}: "wait" takes milliseconds, e.g. wait 500`, `got "${line}"`);
      steps.push({ kind: "wait", ms });
    } else if (verb === "chat" || verb === "say") {
      steps.push({ kind: "chat", text: checkChat(line.slice(word.length), where) });
    } else if (verb === "click") {
      steps.push(checkClick(rest.join(" "), where));
    } else if (verb === "hold") {
      const ms = Number(rest[1]);
      if (rest.length !== 2 || !Number.isInteger(ms) || ms < 1 || ms > MAX_WAIT_MS) throw new UsageError(`${where}: "hold" takes a command and milliseconds, e.g. hold F 500`, `got "${line}"`);
      steps.push(...press(checkCommand(rest[0] ?? "", where), ms));
    } else {
      if (rest.length > 0) throw new UsageError(`${where}: "${line}" is not a step`, 'steps are: COMMAND, hold COMMAND MS, wait MS, chat TEXT, click X Y, # comment');
      steps.push(...press(checkCommand(word, where), 0));
    }
  }
  if (steps.length === 0) throw new UsageError(`${name}: the script has no steps`, "write one step per line, e.g. F then wait 500 then stop");
  return steps;
}
