import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { rootCommand } from "../../commands/index.ts";
import { type Command, columns, HELP_WIDTH, renderUsage, wrap } from "../../commands/usage.ts";

/** Every command in the tree with the command line that reaches it. */
function everyCommand(): [string, Command][] {
  const found: [string, Command][] = [];
  const walk = (path: string, command: Command) => {
    found.push([path, command]);
    for (const [name, sub] of Object.entries(command.subCommands ?? {})) walk(`${path} ${name}`, sub);
  };
  walk("letsrobot", rootCommand);
  return found;
}

describe("--help text", () => {
  test("every command's help fits 80 columns and names the whole command line in USAGE", () => {
    const commands = everyCommand();
    expect(commands.map(([path]) => path)).toContain("letsrobot serve robot add");
    for (const [path, command] of commands) {
      const text = renderUsage(command, path, "1.2.3");
      const wide = text.split("\n").filter((l) => l.length > HELP_WIDTH);
      expect({ path, wide }).toEqual({ path, wide: [] });
      expect(text).toContain(`USAGE ${path}`);
    }
  });

  test("every command's help text is pinned: a change to it updates the snapshot on purpose", () => {
    for (const [path, command] of everyCommand()) expect(renderUsage(command, path, path === "letsrobot" ? "1.2.3" : undefined)).toMatchSnapshot(path);
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
