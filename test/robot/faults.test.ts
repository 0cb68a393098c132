import { afterEach, describe, expect, test } from "bun:test";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";
import { command, connectRobot, type TimedEvent, until } from "./harness.ts";
import { type RobotServer, startRobotServer } from "./robot-server.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Server ← fault proxy ← robot: the lookups hand out the proxy's port for every socket. */
async function behindProxy(livenessS = 15) {
  const server: RobotServer = await startRobotServer({ version: 4 });
  cleanups.push(() => server.stop());
  const proxy: FaultProxy = await startFaultProxy(server.port);
  cleanups.push(() => proxy.close());
  server.socketPort = proxy.port;
  const robot = await connectRobot(server, { livenessS });
  cleanups.push(() => robot.robot.stop());
  return { server, proxy, ...robot };
}

const down = (events: TimedEvent[], link = "control") => events.find((e) => e.type === "link" && e.link === link && e.state === "down") as (TimedEvent & { detail?: string }) | undefined;

describe("faults between robot and server (loopback fault proxy)", () => {
  test("a silently stalled connection is detected within liveness_s (≤ 15 s) and the robot reconnects", async () => {
    const { server, proxy, events, driver } = await behindProxy(3);
    expect(proxy.connections()).toBe(2); // control and chat; the app socket lives on the info host itself
    const stalled = performance.now();
    proxy.set("blackhole");
    await until(() => down(events) !== undefined, 15_000, "stall detection");
    const detected = down(events)!;
    const ms = detected.t - stalled;
    console.log(`silent server detected after ${ms.toFixed(0)} ms (liveness_s = 3)`);
    expect(detected.detail).toMatch(/server silent|no answer to robot_id/);
    expect(ms).toBeLessThanOrEqual(15_000);
    const seen = server.received.length;
    proxy.set("pass");
    await server.waitFor((r) => r.event === "robot_id", 10_000, seen);
    const from = driver.calls.length;
    server.send("control", "command_to_robot", command("L", "eve"));
    await driver.waitFor((c) => c.call === "apply", 2000, from);
  }, 30_000);

  test("the connection drops during a held move: the driver gets stop ≤ 500 ms after detection", async () => {
    const { server, proxy, events, driver } = await behindProxy();
    server.send("control", "command_to_robot", command("F", "eve", "down"));
    await driver.waitFor((c) => c.call === "apply" && c.action?.kind === "drive");
    // keep refreshing the held button so only the connection loss can stop it
    const refresh = setInterval(() => server.send("control", "command_to_robot", command("F", "eve", "down")), 100);
    cleanups.push(() => clearInterval(refresh));
    await Bun.sleep(300);
    expect(driver.moving).toBe(true);
    const from = driver.calls.length;
    proxy.set("drop");
    const stop = await driver.waitFor((c) => c.call === "stop", 2000, from);
    await until(() => down(events) !== undefined, 2000, "disconnect detection");
    const gap = stop.at - down(events)!.t;
    console.log(`stop reached the driver ${gap.toFixed(1)} ms after the drop was detected`);
    expect(gap).toBeLessThanOrEqual(500);
    expect(driver.moving).toBe(false);
  });

  test("a blackholed held move is stopped by the dead-man long before the stall is detected", async () => {
    const { server, proxy, driver } = await behindProxy();
    server.send("control", "command_to_robot", command("B", "eve", "down"));
    await driver.waitFor((c) => c.call === "apply" && c.action?.kind === "drive");
    const from = driver.calls.length;
    const cut = performance.now();
    proxy.set("blackhole");
    const stop = await driver.waitFor((c) => c.call === "stop", 3000, from);
    console.log(`dead-man stop ${(stop.at - cut).toFixed(0)} ms after the connection went silent (deadman_ms = 500)`);
    expect(driver.moving).toBe(false);
  });

  test("server restart behind the proxy: commands flow again (time printed for R2)", async () => {
    const { server, driver } = await behindProxy();
    await server.stop();
    const seen = server.received.length;
    await server.start();
    const listening = performance.now();
    await server.waitFor((r) => r.event === "robot_id", 8000, seen);
    const from = driver.calls.length;
    server.send("control", "command_to_robot", command("R", "eve"));
    await driver.waitFor((c) => c.call === "apply", 2000, from);
    const ms = performance.now() - listening;
    console.log(`server listening again → robot identified and command at the driver: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(8000);
  });
});
