import type { ArgDef, ArgsDef, CommandDef, CommandMeta } from "citty";

/** Help fits an 80-column terminal (an SSH session on a Pi), whatever the longest description. */
export const HELP_WIDTH = 80;
/** A flag or command name wider than this puts its description on the next line. */
const LEFT_MAX = 28;

/** A citty value that may be given as is, as a promise, or as a (lazy) function. */
export async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** Two columns, the right one wrapped under itself; every line at most HELP_WIDTH wide. */
export function columns(rows: readonly (readonly [string, string])[]): string[] {
  const indent = 2;
  const left = Math.min(LEFT_MAX, Math.max(0, ...rows.map(([name]) => name.length)));
  const start = indent + left + 3;
  const out: string[] = [];
  for (const [name, text] of rows) {
    const body = wrap(text, HELP_WIDTH - start);
    const head = `${" ".repeat(indent)}${name}`;
    if (name.length > left) out.push(head);
    else out.push(`${head.padEnd(start)}${body.shift() ?? ""}`.trimEnd());
    for (const line of body) out.push(`${" ".repeat(start)}${line}`);
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
  const parts = [arg.description ?? ""];
  if (required) parts.push("(required)");
  if (arg.default !== undefined && arg.type !== "boolean") parts.push(`(default: ${String(arg.default)})`);
  return parts.filter(Boolean).join(" ");
}

/**
 * The `--help` text of a command: `path` is the whole command line that reaches it
 * (`letsrobot serve robot add`), so the usage line can be typed as shown.
 */
export async function renderUsage(command: CommandDef<ArgsDef>, path: string, version?: string): Promise<string> {
  const meta = await resolve(command.meta ?? {});
  const args = (command.args ? await resolve(command.args) : {}) as ArgsDef;
  const positional: [string, string][] = [];
  const options: [string, string][] = [];
  const usage: string[] = [path];
  for (const [name, arg] of Object.entries(args)) {
    if (arg.type === "positional") {
      const required = arg.required !== false && arg.default === undefined;
      positional.push([name.toUpperCase(), describeArg(arg, required)]);
      usage.push(required ? `<${name.toUpperCase()}>` : `[${name.toUpperCase()}]`);
      continue;
    }
    const aliases = ([] as string[]).concat((arg as { alias?: string | string[] }).alias ?? []).map((a) => `-${a}, `);
    options.push([`${aliases.join("")}--${name}${valueHint(name, arg)}`, describeArg(arg, arg.required === true && arg.default === undefined)]);
    if (arg.type === "boolean" && arg.default === true && !name.startsWith("no-")) options.push([`--no-${name}`, arg.negativeDescription ?? ""]);
  }
  if (options.length > 0) usage.splice(1, 0, "[OPTIONS]");
  const commands: [string, string][] = [];
  if (command.subCommands) {
    const subs = await resolve(command.subCommands);
    for (const [name, sub] of Object.entries(subs)) {
      // a lazy subcommand that carries its meta is described without importing it
      const carried = typeof sub === "function" && "meta" in sub ? (sub.meta as CommandMeta) : undefined;
      const subMeta = carried ?? (await resolve((await resolve(sub as CommandDef<ArgsDef>)).meta ?? {}));
      if (!subMeta.hidden) commands.push([name, subMeta.description ?? ""]);
    }
    usage.push(commands.length > 0 ? "<command>" : "");
  }
  const title = `${meta.description ?? ""}${version ? ` (${path} v${version})` : ""}`;
  const lines = [...wrap(title, HELP_WIDTH), "", ...wrap(`USAGE ${usage.join(" ")}`, HELP_WIDTH), ""];
  if (positional.length > 0) lines.push("ARGUMENTS", "", ...columns(positional), "");
  if (options.length > 0) lines.push("OPTIONS", "", ...columns(options), "");
  if (commands.length > 0) lines.push("COMMANDS", "", ...columns(commands), "", ...wrap(`Use \`${path} <command> --help\` for more about a command.`, HELP_WIDTH));
  return lines.join("\n").trimEnd();
}
