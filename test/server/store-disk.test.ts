import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, ExitCode } from "../../lib/errors.ts";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { openStore } from "../../lib/server/store/store.ts";
import { runCli } from "../helpers/cli.ts";
import { smallDisk } from "../helpers/small-disk.ts";
import { connect, emitAck, startTestPlatform, tempDataDirs } from "./helpers.ts";

const temp = tempDataDirs();

const writer = join(import.meta.dir, "store-writer.ts");

function spawnWriter(args: string[]) {
  return Bun.spawn(["bun", writer, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
}

describe("several processes on one database", () => {
  test("a write waits for another process's write lock instead of failing with SQLITE_BUSY", async () => {
    const dir = temp();
    openStore(dir).close();
    const holder = spawnWriter(["hold", dir, "700"]);
    const reader = holder.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked");
    const store = openStore(dir);
    const started = performance.now();
    const { change } = store.ensureRobot({ name: "waiter", owner: "wendy" });
    const waited = performance.now() - started;
    store.close();
    expect(change).toBe("created");
    expect(waited).toBeGreaterThan(200); // it really waited for the other process's lock
    expect(await holder.exited).toBe(0);
  });

  test("two processes adding robots at the same time both succeed", async () => {
    const dir = temp();
    openStore(dir).close();
    const children = ["ann", "bob"].map((owner) => spawnWriter(["add", dir, owner, "25"]));
    const results = await Promise.all(children.map(async (c) => ({ code: await c.exited, out: await new Response(c.stdout).text(), err: await new Response(c.stderr).text() })));
    for (const r of results) expect(r).toMatchObject({ code: 0, out: "added\n", err: "" });
    const store = openStore(dir);
    expect(store.robots().length).toBe(50);
    store.close();
  }, 30_000);
});

describe("a damaged database", () => {
  const expectDamaged = (dir: string) => {
    const file = join(dir, "platform.db");
    let thrown: unknown;
    try {
      openStore(dir).close();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toContain(`the platform database ${file} is damaged`);
    expect(error.hint).toContain(`mv ${file} ${file}.broken`);
    expect(error.hint).toContain("letsrobot serve robot add");
  };

  test("a file that is not a database → ConfigError naming the file and the recovery command", () => {
    const dir = temp();
    writeFileSync(join(dir, "platform.db"), "this is not a database, it is a shopping list\n".repeat(100));
    expectDamaged(dir);
  });

  test("a database with damaged pages → the same error at start-up, not later", () => {
    const dir = temp();
    const store = openStore(dir);
    for (let i = 0; i < 40; i++) store.ensureRobot({ name: `r${i}`, owner: "olga" });
    store.close();
    const fd = openSync(join(dir, "platform.db"), "r+");
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096); // page 2 onwards: garbage
    closeSync(fd);
    expectDamaged(dir);
  });

  test("`letsrobot serve robot list` on it: exit 10, the file and the fix on stderr, no stack trace", async () => {
    const dir = temp();
    writeFileSync(join(dir, "platform.db"), Buffer.alloc(8192, 0x42));
    const result = await runCli(["serve", "robot", "list", "--data-dir", dir]);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain(`${join(dir, "platform.db")} is damaged`);
    // consola's fancy reporter (a terminal, CI unset) drops the backticks; its basic one (CI=true) keeps them
    expect(result.stderr.replaceAll("`", "")).toContain(`hint: move it aside and start again: mv ${join(dir, "platform.db")}`);
    expect(result.stderr).not.toContain("this is a bug");
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

/** A full disk, for real: a small tmpfs filled to the last byte once the robot exists. */
const disk = smallDisk();
afterAll(() => disk.unmount());
const fillDisk = () => disk.fill();
const freeDisk = () => disk.free();

describe.skipIf(disk.skip !== "")("a full disk", () => {
  const opened: SocketChannel[] = [];
  afterAll(() => {
    for (const c of opened) c.close();
    freeDisk();
  });

  test("owner actions that write get a clear `not_saved` refusal; the server keeps serving; space back → saved", async () => {
    const dataDir = join(disk.dir, "serve");
    const platform = await startTestPlatform(dataDir);
    try {
      const creds = await platform.ensureRobot({ name: "rover", owner: "olga" });
      const owner = await connect(connectSocket, platform.url, { token: creds.ownerToken }, opened);
      fillDisk();
      for (const [event, data] of [
        ["update_robot", { robot_id: creds.robotId, settings: { mic_enabled: false } }],
        ["set_moderators", { robot_id: creds.robotId, moderators: ["mo"] }],
      ] as const) {
        const answer = await emitAck<{ ok: boolean; error: string; message: string }>(owner, event, data);
        expect(answer).toMatchObject({ ok: false, error: "not_saved" });
        expect(answer.message).toContain(`cannot save to the platform database ${join(dataDir, "platform.db")}: the disk is full`);
      }
      // actions that need no disk still work, and so do lookups and pages
      expect(await emitAck(owner, "set_exclusive_control", { robot_id: creds.robotId, user: null })).toMatchObject({ ok: true });
      expect((await fetch(`${platform.url}/api/v1/robots/${creds.robotId}`)).status).toBe(200);
      expect((await fetch(`${platform.url}/robot/${creds.robotId}`)).status).toBe(200);
      freeDisk();
      expect(await emitAck(owner, "update_robot", { robot_id: creds.robotId, settings: { mic_enabled: false } })).toMatchObject({ ok: true });
      expect(await (await fetch(`${platform.url}/api/v1/robots/${creds.robotId}`)).json()).toMatchObject({ mic_enabled: false });
    } finally {
      freeDisk();
      await platform.close();
    }
  });

  test("a platform starts on a full disk: robots are read, known keys are kept without a write, new keys fail clearly", async () => {
    const dataDir = join(disk.dir, "restart");
    const first = await startTestPlatform(dataDir);
    const creds = await first.ensureRobot({ name: "rover", owner: "olga" });
    await first.close(); // a clean close: SQLite removes its shared-memory file, which must be made again
    fillDisk();
    const second = await startTestPlatform(dataDir);
    try {
      expect(second.findRobot("rover")).toMatchObject({ robotId: creds.robotId });
      const { streamKey, robotKey, ownerToken } = creds;
      expect(await second.ensureRobot({ name: "rover", owner: "olga", secrets: { streamKey, robotKey, ownerToken } })).toEqual(creds);
      let thrown: unknown;
      await second.ensureRobot({ name: "rover", owner: "olga" }).catch((error) => (thrown = error));
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).message).toContain("the disk is full");
    } finally {
      await second.close();
      freeDisk();
    }
  });
});
