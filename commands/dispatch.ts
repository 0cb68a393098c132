import type { ArgsDef } from "citty";
import type { Deps } from "../lib/deps.ts";
import { type Command, renderUsage } from "./usage.ts";

/** Flags every command accepts; cli/main.ts reads them before dispatch. */
const globalFlags = ["--verbose", "-v", "--quiet", "-q", "--help", "-h", "--version"] as const;

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

type FlagDef = ArgsDef[string];

/** Every spelling of every flag a command accepts, with its definition (none for the global flags). */
function knownFlags(args: ArgsDef): Map<string, FlagDef | undefined> {
  const known = new Map<string, FlagDef | undefined>(globalFlags.map((flag) => [flag, undefined]));
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const names = [name, kebab(name), ...([] as string[]).concat((def as { alias?: string | string[] }).alias ?? [])];
    for (const n of names) {
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      known.set(flag, def);
      if (def.type === "boolean") known.set(`--no-${n}`, def);
    }
  }
  return known;
}

/**
 * A UsageError: the error classes and the spelling check are loaded only for a mistake, never for help
 * (start-up, S1). `hint` gets the spelling check to suggest what was meant.
 */
async function usageError(message: string, hint: (closest: (word: string, candidates: string[]) => string | undefined) => string): Promise<Error> {
  const [{ UsageError }, { closest }] = await Promise.all([import("../lib/errors.ts"), import("../lib/spelling.ts")]);
  return new UsageError(message, hint(closest));
}

async function checkFlags(path: string, args: ArgsDef, rawArgs: readonly string[]): Promise<void> {
  const known = knownFlags(args);
  for (const [index, token] of rawArgs.entries()) {
    if (token === "--") break;
    if (token === "-" || !token.startsWith("-") || /^-\d/.test(token)) continue;
    const flag = token.split("=")[0] ?? token;
    if (!known.has(flag)) {
      const long = [...known.keys()].filter((f) => f.startsWith("--") && !f.startsWith("--no-"));
      throw await usageError(`unknown flag ${flag} for \`${path}\``, (closest) => {
        const guess = closest(flag, [...known.keys()].filter((f) => f.startsWith("--")));
        return guess ? `did you mean ${guess}? see \`${path} --help\`` : `valid flags: ${long.join(" ")}; see \`${path} --help\``;
      });
    }
    // `run --host` with nothing after it would run with an empty value (for --host: every interface)
    const def = known.get(flag);
    const next = rawArgs[index + 1];
    if (def?.type === "string" && !token.includes("=") && (next === undefined || next.startsWith("--"))) {
      const example = `${flag} <${(def as { valueHint?: string }).valueHint ?? "value"}>`;
      throw await usageError(`${flag} needs a value`, () => `e.g. \`${path} ${example}\`; see \`${path} --help\``);
    }
  }
}

/** What the command line asks for: text to print instead of running (help, version), or a command to run. */
export type Dispatched = { printed: string } | { run: (deps: Deps) => Promise<void> };

/**
 * Walk argv down the subcommand tree, answer --help/--version, reject unknown commands and flags
 * with a UsageError, and hand back the chosen command to run with the deps (cli/main.ts makes them only then).
 */
export async function dispatch(root: Command, argv: readonly string[], version: string): Promise<Dispatched> {
  let command = root;
  let path = root.meta.name ?? "letsrobot";
  let rest = [...argv];
  for (;;) {
    let index = 0;
    while (index < rest.length && rest[index]?.startsWith("-")) index++;
    const word = rest[index];
    if (!command.subCommands || word === undefined) break;
    const entry = command.subCommands[word];
    if (!entry) {
      if (command.run) break; // a command with its own positional arguments
      const names = Object.keys(command.subCommands);
      throw await usageError(`unknown command "${word}"`, (closest) => {
        const guess = closest(word, names);
        return guess ? `did you mean \`${path} ${guess}\`?` : `commands are: ${names.join(", ")}; see \`${path} --help\``;
      });
    }
    command = entry;
    path = `${path} ${word}`;
    rest = [...rest.slice(0, index), ...rest.slice(index + 1)];
  }
  if (rest.includes("--help") || rest.includes("-h")) return { printed: renderUsage(command, path, command === root ? version : undefined) };
  if (rest.includes("--version")) return { printed: version }; // `letsrobot doctor --version` too: never runs the command
  if (!command.run) {
    if (rest.some((t) => !t.startsWith("-"))) throw await usageError(`unknown command "${rest[0]}"`, () => `see \`${path} --help\``);
    await checkFlags(path, {}, rest); // `letsrobot --versoin` is a mistake, not a request for help
    return { printed: renderUsage(command, path) };
  }
  await checkFlags(path, command.args ?? {}, rest);
  const withoutGlobals = rest.filter((t) => !["--verbose", "-v", "--quiet", "-q"].includes(t));
  const chosen = command;
  return {
    async run(deps) {
      // citty is loaded only to run a command: help and usage errors never pay for it
      const { runCommand } = await import("citty");
      try {
        await runCommand(chosen, { rawArgs: withoutGlobals, data: deps });
      } catch (error) {
        // citty reports bad arguments (missing positional, bad enum value) as CLIError
        if ((error as Error)?.name === "CLIError") throw await usageError((error as Error).message, () => `see \`${path} --help\``);
        throw error;
      }
    },
  };
}
