import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import { createOutput } from "../../lib/output.ts";
import { addRobot, keysFileOf } from "../../lib/server/serve.ts";
import { openStore } from "../../lib/server/store/store.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDataDir } from "./helpers.ts";

const data = tempDataDir();
afterAll(() => data.remove());
const log = createLogger("silent");

/** `serve robot add` in this process, with stdout a terminal or not; returns what it printed. */
function add(name: string, options: { interactive: boolean; json?: boolean; out?: string }): string {
  let printed = "";
  addRobot({ dataDir: data.dir, name, owner: "ann", server: "http://127.0.0.1:8080", json: options.json ?? false, out: options.out, interactive: options.interactive }, { log, out: createOutput((s) => (printed += s)) });
  return printed;
}

const secretsIn = (text: string) => [...text.matchAll(/^(stream_key|robot_key|owner_token) = "([^"]+)"$/gm)].map((m) => m[2] ?? "");

describe("serve robot add: the keys go to a terminal or a 0600 file, never into a pipe", () => {
  test("on a terminal the robot's letsrobot.toml section is printed, with its keys", () => {
    const printed = add("on-tty", { interactive: true });
    expect(printed).toContain("[platform]");
    expect(secretsIn(printed)).toHaveLength(3);
    expect(existsSync(keysFileOf(data.dir, "on-tty"))).toBe(false);
  });

  test.each([false, true])("not a terminal (json %p): the keys go to {data dir}/keys/NAME.toml, stdout names the file only", (json) => {
    const name = `piped-${json}`;
    const printed = add(name, { interactive: false, json });
    const file = keysFileOf(data.dir, name);
    expect(printed).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secrets = secretsIn(readFileSync(file, "utf8"));
    expect(secrets).toHaveLength(3);
    for (const secret of secrets) expect(printed).not.toContain(secret);
    // the file is the config the robot needs: the store accepts its robot key
    const store = openStore(data.dir);
    try {
      const robot = store.robots().find((r) => r.name === name);
      expect(robot && store.robotKeyMatches(robot.id, secrets[1] ?? "")).toBe(true);
    } finally {
      store.close();
    }
  });

  test("--out FILE writes there (mode 600), even on a terminal, and replaces what was there", () => {
    const out = join(data.dir, "rover.toml");
    writeFileSync(out, "old", { mode: 0o644 });
    const printed = add("rover", { interactive: true, out });
    expect(printed).toContain(out);
    expect(secretsIn(printed)).toHaveLength(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(secretsIn(readFileSync(out, "utf8"))).toHaveLength(3);
  });

  test("--out in a folder that does not exist is refused (exit 2, naming it) before the robot is touched", async () => {
    add("kept", { interactive: false });
    const keptKeys = readFileSync(keysFileOf(data.dir, "kept"), "utf8");
    const missing = join(data.dir, "no-such-folder");
    const refused = await runCli(["serve", "robot", "add", "kept", "--out", join(missing, "x.toml"), "--data-dir", data.dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(missing);
    // the robot still has the keys written before: nothing was re-keyed
    const store = openStore(data.dir);
    try {
      const robot = store.robots().find((r) => r.name === "kept");
      expect(robot && store.robotKeyMatches(robot.id, secretsIn(keptKeys)[1] ?? "")).toBe(true);
    } finally {
      store.close();
    }
  });
});
