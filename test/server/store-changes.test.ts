/**
 * The store picks up robots another process changed: it asks SQLite for a while after the data directory
 * is written (lib/server/store/write-watch.ts), and on every turn when the directory cannot be watched.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openStore } from "../../lib/server/store/store.ts";
import { changeWindow, type WatchWrites } from "../../lib/server/store/write-watch.ts";
import { tempDataDirs, until } from "./helpers.ts";

const temp = tempDataDirs();

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A watch the test drives by hand. */
function handWatch() {
  const calls = { onWrite: () => {}, onLost: () => {}, closed: false };
  const watch: WatchWrites = (_dir, onWrite, onLost) => {
    Object.assign(calls, { onWrite, onLost });
    return { close: () => void (calls.closed = true) };
  };
  return { calls, watch };
}

describe("when the store asks whether the robots changed", () => {
  test("for a while at first and after each write; then not until the next write", async () => {
    const { calls, watch } = handWatch();
    const window = changeWindow("/unused", watch, 50);
    expect(window.open()).toBe(true);
    await Bun.sleep(70);
    expect(window.open()).toBe(false);
    calls.onWrite();
    expect(window.open()).toBe(true);
    await Bun.sleep(70);
    expect(window.open()).toBe(false);
    window.close();
    expect(calls.closed).toBe(true);
  });

  test("always, when the directory cannot be watched or the watch is lost", async () => {
    const unwatched = changeWindow("/unused", () => undefined, 10);
    await Bun.sleep(30);
    expect(unwatched.open()).toBe(true);
    const { calls, watch } = handWatch();
    const window = changeWindow("/unused", watch, 10);
    await Bun.sleep(30);
    calls.onLost();
    calls.onWrite();
    await Bun.sleep(30);
    expect(window.open()).toBe(true);
  });

  test("a directory that cannot be watched (here: it does not exist) is asked about on every turn; one that can, only after writes", async () => {
    const missing = changeWindow(join(temp(), "missing"), undefined, 10);
    const watched = changeWindow(temp(), undefined, 10);
    await Bun.sleep(30);
    expect([missing.open(), watched.open()]).toEqual([true, false]);
    missing.close();
    watched.close();
  });
});

describe("robots another process changed", () => {
  test("are seen long after the last write: the other process's write to the database is watched", async () => {
    const dir = temp();
    const store = openStore(dir);
    try {
      await Bun.sleep(2200); // past the window that opening the store started
      const writer = Bun.spawn(["bun", join(import.meta.dir, "store-writer.ts"), "add", dir, "later", "1"], { stdout: "pipe", stderr: "pipe" });
      expect(await writer.exited).toBe(0);
      await until(() => store.robotByName("later0") !== undefined, 3000, "the robot another process added");
    } finally {
      store.close();
    }
  });

  test("without a watch, a change by another connection is seen on the next turn", async () => {
    const dir = temp();
    const store = openStore(dir, { watch: () => undefined });
    const other = openStore(dir);
    try {
      const { robot } = other.ensureRobot({ name: "switched", owner: "olga" });
      await nextTurn();
      expect(store.robot(robot.id)?.requireKey).toBe(true);
      other.updateRobot(robot.id, { requireKey: false });
      await nextTurn();
      expect(store.robot(robot.id)?.requireKey).toBe(false);
    } finally {
      other.close();
      store.close();
    }
  });

  test("with a watch that has seen no write lately, the store does not ask (what the watch saves) until one is reported", async () => {
    const dir = temp();
    const { calls, watch } = handWatch();
    const store = openStore(dir, { watch });
    const other = openStore(dir);
    try {
      const { robot } = other.ensureRobot({ name: "quiet", owner: "olga" });
      await nextTurn();
      expect(store.robot(robot.id)?.requireKey).toBe(true);
      await Bun.sleep(2200);
      other.updateRobot(robot.id, { requireKey: false });
      await nextTurn();
      expect(store.robot(robot.id)?.requireKey).toBe(true);
      calls.onWrite();
      expect(store.robot(robot.id)?.requireKey).toBe(false);
    } finally {
      other.close();
      store.close();
    }
    expect(calls.closed).toBe(true);
  });
});
