import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { createLogger } from "../../lib/log.ts";
import { installCrashStop, Lifecycle } from "../../lib/robot/lifecycle.ts";

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
