import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { createLogger } from "../../lib/log.ts";
import { installCrashStop, LastStops, Lifecycle } from "../../lib/process/lifecycle.ts";

describe("lifecycle", () => {
  test("undoes in reverse order of start-up; a failing or stuck step does not stop the others", async () => {
    const warnings: string[] = [];
    const log = createLogger("silent");
    log.warn = ((m: string) => void warnings.push(m)) as typeof log.warn;
    const life = new Lifecycle(log);
    const order: string[] = [];
    life.add("platform", () => order.push("platform"));
    life.add("driver", async () => {
      order.push("driver");
    });
    life.add("media", () => {
      throw new Error("ffmpeg gone");
    });
    life.add("speech", () => new Promise(() => order.push("speech"))); // never settles
    life.add("sockets", () => order.push("sockets"));
    await life.close(50);
    expect(order).toEqual(["sockets", "speech", "driver", "platform"]);
    expect(warnings).toEqual(["stopping speech failed: took longer than 50 ms", "stopping media failed: ffmpeg gone"]);
    await life.close(50); // nothing left: a second close is a no-op
    expect(order).toHaveLength(4);
  });

  test("the crash guard catches uncaught errors and rejections, and uninstalls cleanly", () => {
    const source = new EventEmitter();
    const caught: unknown[] = [];
    const uninstall = installCrashStop(source, (e) => caught.push(e));
    source.emit("uncaughtException", new Error("a"));
    source.emit("unhandledRejection", "b");
    uninstall();
    expect(caught).toEqual([new Error("a"), "b"]);
    expect(source.listenerCount("uncaughtException") + source.listenerCount("unhandledRejection")).toBe(0);
  });
});

describe("last stops (a second Ctrl-C)", () => {
  test("runs every step at once, waits for them, survives a throwing one, and gives up on a stuck one after the timeout", async () => {
    const stops = new LastStops();
    const done: string[] = [];
    stops.add(async () => {
      await Bun.sleep(20);
      done.push("driver");
    });
    stops.add(() => {
      throw new Error("boom");
    });
    stops.add(() => new Promise(() => {})); // never settles
    const removed = stops.add(() => done.push("removed"));
    removed();
    const started = performance.now();
    await stops.run(300);
    expect(done).toEqual(["driver"]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290); // it waited for the stuck one up to the bound
  });

  test("with nothing registered it resolves at once", async () => {
    const started = performance.now();
    await new LastStops().run(5000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
