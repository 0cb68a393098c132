import { describe, expect, test } from "bun:test";
import type { ArgsDef, CommandDef, CommandMeta } from "citty";
import fc from "fast-check";
import { createRootCommand } from "../../commands/index.ts";
import { columns, HELP_WIDTH, renderUsage, resolve, wrap } from "../../commands/usage.ts";
import { realDeps } from "../../lib/deps.ts";

type AnyCommand = CommandDef<ArgsDef>;

/** Every command in the tree with the command line that reaches it. */
async function everyCommand(): Promise<[string, AnyCommand][]> {
  const root = createRootCommand(realDeps({ level: "silent", shutdown: new AbortController().signal })) as AnyCommand;
  const found: [string, AnyCommand][] = [];
  const walk = async (path: string, command: AnyCommand) => {
    found.push([path, command]);
    const subs = command.subCommands ? await resolve(command.subCommands) : {};
    for (const [name, sub] of Object.entries(subs)) await walk(`${path} ${name}`, await resolve(sub as AnyCommand));
  };
  await walk("letsrobot", root);
  return found;
}

describe("--help text", () => {
  test("every command's help fits 80 columns and names the whole command line in USAGE", async () => {
    const commands = await everyCommand();
    expect(commands.map(([path]) => path)).toContain("letsrobot serve robot add");
    for (const [path, command] of commands) {
      const text = await renderUsage(command, path, "1.2.3");
      const wide = text.split("\n").filter((l) => l.length > HELP_WIDTH);
      expect({ path, wide }).toEqual({ path, wide: [] });
      expect(text).toContain(`USAGE ${path}`);
    }
  });

  test("root --help imports no subcommand: each carries the meta its module declares", async () => {
    const root = createRootCommand(realDeps({ level: "silent", shutdown: new AbortController().signal })) as AnyCommand;
    const subs = (await resolve(root.subCommands ?? {})) as Record<string, unknown>;
    const refusing = Object.fromEntries(
      Object.entries(subs).map(([name, sub]) => [name, Object.assign(() => Promise.reject(new Error(`${name} was imported`)), { meta: (sub as { meta?: unknown }).meta })]),
    );
    const text = await renderUsage({ ...root, subCommands: refusing } as AnyCommand, "letsrobot", "1.2.3");
    for (const name of Object.keys(subs)) expect(text).toContain(`  ${name} `);
    for (const [name, sub] of Object.entries(subs)) {
      const loaded = await resolve(sub as AnyCommand);
      expect({ name, meta: await resolve(loaded.meta) }).toEqual({ name, meta: (sub as { meta?: CommandMeta }).meta });
    }
  });

  test("wrap and columns never exceed the width, and lose no word", () => {
    const word = fc.stringMatching(/^[a-z.:,()<>=-]{1,20}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^--[a-z-]{1,40}$/), fc.array(word, { maxLength: 40 })), { minLength: 1, maxLength: 8 }), (rows) => {
        const lines = columns(rows.map(([name, words]) => [name, words.join(" ")] as const));
        for (const line of lines) expect(line.length).toBeLessThanOrEqual(HELP_WIDTH);
        expect(lines.join(" ").split(/\s+/).filter(Boolean)).toEqual(rows.flatMap(([name, words]) => [name, ...words]));
      }),
    );
    expect(wrap("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"]);
  });
});
