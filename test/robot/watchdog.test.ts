import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import { runProcess } from "../../lib/process/run.ts";
import { realClock } from "../../lib/clock.ts";
import { socketAddress } from "../../lib/robot/sd-notify.ts";
import { startSystemdNotify } from "../../lib/robot/watchdog.ts";
import { until } from "./harness.ts";

describe("sd_notify", () => {
  test("socket addresses: a path ends in NUL, an abstract name starts with one", () => {
    expect(socketAddress("/run/x").length).toBe(2 + 6 + 1);
    const abstract = socketAddress("@sd");
    expect(abstract.length).toBe(2 + 3);
    expect([...abstract.bytes.slice(0, 5)]).toEqual([1, 0, 0, 115, 100]);
  });

  test.skipIf(!Bun.which("socat"))("READY=1, then WATCHDOG=1 at half the interval, then STOPPING=1, to a real unix datagram socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-notify-"));
    const path = join(dir, "notify");
    const out = join(dir, "got");
    const receiver = Bun.spawn(["sh", "-c", `exec socat -u UNIX-RECV:${path} - > ${out}`], { stdout: "ignore", stderr: "ignore" });
    try {
      await until(() => {
        try {
          return readFileSync(path) !== undefined;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code !== "ENOENT";
        }
      }, 5000, "socat listening");
      const notifier = startSystemdNotify({ NOTIFY_SOCKET: path, WATCHDOG_USEC: "600000" }, { runProcess, clock: realClock, log: createLogger("silent"), healthy: () => true });
      notifier.ready();
      await until(() => (readFileSync(out, "utf8").match(/WATCHDOG=1/g) ?? []).length >= 2, 5000, "two watchdog pings");
      notifier.stop();
      await until(() => readFileSync(out, "utf8").includes("STOPPING=1"), 2000, "stopping");
      expect(readFileSync(out, "utf8").startsWith("READY=1")).toBe(true);
    } finally {
      receiver.kill();
      await receiver.exited;
    }
  });

  test("outside systemd it does nothing", () => {
    const notifier = startSystemdNotify({}, { runProcess, clock: realClock, log: createLogger("silent"), healthy: () => true });
    expect(() => {
      notifier.ready();
      notifier.stop();
    }).not.toThrow();
  });
});
