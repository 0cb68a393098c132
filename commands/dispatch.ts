import type { ArgsDef, CommandDef } from "citty";
import { closest } from "../lib/spelling.ts";
import { UsageError } from "../lib/errors.ts";
import { globalFlags } from "./args.ts";
import { renderUsage, resolve } from "./usage.ts";

type AnyCommand = CommandDef<ArgsDef>;

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Every spelling of every flag a command accepts. */
function knownFlags(args: ArgsDef): Set<string> {
  const known = new Set<string>(globalFlags);
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const names = [name, kebab(name), ...([] as string[]).concat((def as { alias?: string | string[] }).alias ?? [])];
    for (const n of names) {
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      known.add(flag);
      if (def.type === "boolean") known.add(`--no-${n}`);
    }
  }
  return known;
}

function checkFlags(path: string, args: ArgsDef, rawArgs: readonly string[]): void {
  const known = knownFlags(args);
  for (const token of rawArgs) {
    if (token === "--") break;
    if (token === "-" || !token.startsWith("-") || /^-\d/.test(token)) continue;
    const flag = token.split("=")[0] ?? token;
    if (!known.has(flag)) {
      const long = [...known].filter((f) => f.startsWith("--") && !f.startsWith("--no-"));
      const guess = closest(flag, [...known].filter((f) => f.startsWith("--")));
      const hint = guess ? `did you mean ${guess}? see \`${path} --help\`` : `valid flags: ${long.join(" ")}; see \`${path} --help\``;
      throw new UsageError(`unknown flag ${flag} for \`${path}\``, hint);
    }
  }
}

export interface DispatchResult {
  /** Text to print on stdout instead of running (help, version). */
  printed?: string;
}

/**
 * Walk argv down the subcommand tree, answer --help/--version, reject unknown commands and flags
 * with a UsageError, then run the chosen command.
 */
export async function dispatch(root: AnyCommand, argv: readonly string[], version: string): Promise<DispatchResult> {
  let command = root;
  const meta = await resolve(root.meta ?? {});
  let path = meta.name ?? "letsrobot";
  let rest = [...argv];
  for (;;) {
    const subs = command.subCommands ? await resolve(command.subCommands) : undefined;
    const index = rest.findIndex((t) => !t.startsWith("-"));
    const word = index >= 0 ? rest[index] : undefined;
    if (!subs || word === undefined) break;
    const entry = subs[word];
    if (!entry) {
      if (command.run) break; // a command with its own positional arguments
      const names = Object.keys(subs);
      const guess = closest(word, names);
      const hint = guess ? `did you mean \`${path} ${guess}\`?` : `commands are: ${names.join(", ")}; see \`${path} --help\``;
      throw new UsageError(`unknown command "${word}"`, hint);
    }
    command = await resolve(entry as AnyCommand);
    path = `${path} ${word}`;
    rest = [...rest.slice(0, index), ...rest.slice(index + 1)];
  }
  if (rest.includes("--help") || rest.includes("-h")) return { printed: await renderUsage(command, path, command === root ? version : undefined) };
  if (rest.includes("--version")) return { printed: version }; // `letsrobot doctor --version` too: never runs the command
  if (!command.run) {
    if (rest.some((t) => !t.startsWith("-"))) throw new UsageError(`unknown command "${rest[0]}"`, `see \`${path} --help\``);
    return { printed: await renderUsage(command, path) };
  }
  checkFlags(path, command.args ? await resolve(command.args) : {}, rest);
  const withoutGlobals = rest.filter((t) => !["--verbose", "-v", "--quiet", "-q"].includes(t));
  // citty is loaded only to run a command: help and usage errors never pay for it
  const { runCommand } = await import("citty");
  try {
    await runCommand(command, { rawArgs: withoutGlobals });
  } catch (error) {
    // citty reports bad arguments (missing positional, bad enum value) as CLIError
    if ((error as Error)?.name === "CLIError") throw new UsageError((error as Error).message, `see \`${path} --help\``);
    throw error;
  }
  return {};
}
