import type { ArgDef, ArgsDef, CommandDef, CommandMeta } from "citty";

/**
 * A command as letsrobot declares it: a citty command whose parts are plain values (no promises, no lazy
 * functions), so the tree is walked and its help rendered without waiting for anything.
 */
export interface Command {
  meta: CommandMeta;
  args?: ArgsDef;
  subCommands?: Record<string, Command>;
  run?: CommandDef<ArgsDef>["run"];
}

/** Help fits an 80-column terminal (an SSH session on a Pi), whatever the longest description. */
export const HELP_WIDTH = 80;
/** A flag or command name wider than this puts its description on the next line. */
const LEFT_MAX = 28;

// Help is the whole work of a `--help` run, so these use plain loops: each array or regular-expression
// built-in the engine meets for the first time costs start-up time (S1).

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (word === "") continue;
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Two columns, the right one wrapped under itself; every line at most HELP_WIDTH wide. */
export function columns(rows: readonly (readonly [string, string])[]): string[] {
  const indent = "  ";
  let left = 0;
  for (const [name] of rows) left = Math.max(left, Math.min(LEFT_MAX, name.length));
  const start = indent.length + left + 3;
  const out: string[] = [];
  for (const [name, text] of rows) {
    const body = wrap(text, HELP_WIDTH - start);
    let first = 0;
    if (name.length > left) out.push(`${indent}${name}`);
    else {
      out.push(`${`${indent}${name}`.padEnd(start)}${body[0] ?? ""}`.trimEnd());
      first = 1;
    }
    for (let i = first; i < body.length; i++) out.push(`${" ".repeat(start)}${body[i]}`);
  }
  return out;
}

function valueHint(name: string, arg: ArgDef): string {
  if (arg.type === "boolean") return "";
  if (arg.type === "enum" && arg.options?.length) return `=<${arg.options.join("|")}>`;
  if (arg.type === "positional") return "";
  return `=<${arg.valueHint ?? name}>`;
}

function describeArg(arg: ArgDef, required: boolean): string {
  let text = arg.description ?? "";
  if (required) text = text ? `${text} (required)` : "(required)";
  if (arg.default !== undefined && arg.type !== "boolean") text = `${text ? `${text} ` : ""}(default: ${String(arg.default)})`;
  return text;
}

function flagNames(name: string, arg: ArgDef): string {
  const alias = (arg as { alias?: string | string[] }).alias;
  let names = "";
  for (const a of alias === undefined ? [] : typeof alias === "string" ? [alias] : alias) names += `-${a}, `;
  return `${names}--${name}${valueHint(name, arg)}`;
}

/**
 * The `--help` text of a command: `path` is the whole command line that reaches it
 * (`letsrobot serve robot add`), so the usage line can be typed as shown.
 */
export function renderUsage(command: Command, path: string, version?: string): string {
  const positional: [string, string][] = [];
  const options: [string, string][] = [];
  let usage = path;
  let operands = "";
  for (const [name, arg] of Object.entries(command.args ?? {})) {
    if (arg.type === "positional") {
      const required = arg.required !== false && arg.default === undefined;
      positional.push([name.toUpperCase(), describeArg(arg, required)]);
      operands += required ? ` <${name.toUpperCase()}>` : ` [${name.toUpperCase()}]`;
      continue;
    }
    options.push([flagNames(name, arg), describeArg(arg, arg.required === true && arg.default === undefined)]);
    if (arg.type === "boolean" && arg.default === true && !name.startsWith("no-")) options.push([`--no-${name}`, arg.negativeDescription ?? ""]);
  }
  if (options.length > 0) usage += " [OPTIONS]";
  usage += operands;
  const commands: [string, string][] = [];
  if (command.subCommands) {
    for (const [name, sub] of Object.entries(command.subCommands)) if (!sub.meta.hidden) commands.push([name, sub.meta.description ?? ""]);
    usage += commands.length > 0 ? " <command>" : " ";
  }
  const title = `${command.meta.description ?? ""}${version ? ` (${path} v${version})` : ""}`;
  const lines = [...wrap(title, HELP_WIDTH), "", ...wrap(`USAGE ${usage}`, HELP_WIDTH), ""];
  if (positional.length > 0) lines.push("ARGUMENTS", "", ...columns(positional), "");
  if (options.length > 0) lines.push("OPTIONS", "", ...columns(options), "");
  if (commands.length > 0) lines.push("COMMANDS", "", ...columns(commands), "", ...wrap(`Use \`${path} <command> --help\` for more about a command.`, HELP_WIDTH));
  return lines.join("\n").trimEnd();
}
