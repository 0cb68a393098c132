import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { epochMs, startChild, waitUntil } from "../core/proc.ts";
import { type MeasuredRobot, startMeasuredRobot } from "../core/robot.ts";
import { bunPath, type ServeProcess, startServe } from "../core/serve.ts";
import { openViewers, socketPool } from "../core/sockets.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

/**
 * R1 dead-man stop and R4 no lost stop, through `letsrobot serve` and the real robot code (sim driver):
 *   - dead-man: a held F refreshed every 100 ms, then no more refreshes: last refresh emitted → motors stopped;
 *   - lost connection: serve is stopped under a held move: link down seen by the robot → motors stopped;
 *   - silent server: serve is frozen (SIGSTOP, connections stay open): freeze → link down (liveness_s);
 *   - R4: the executor's property test (10,000 randomised sequences, test/robot/executor.test.ts).
 */
const hold = (viewer: SocketChannel | undefined, robotId: string, key: "down" | "up" = "down") =>
  viewer?.emit("command_to_robot", { robot_id: robotId, command: "F", key_position: key }, () => {});

function stopAfter(robot: MeasuredRobot, t: number): number | undefined {
  return robot.applied.find((a) => a.what === "stop" && a.at >= t)?.at;
}

/** Dead-man: ms from the last refresh (as emitted by the viewer, and as received by the robot) to the stop. */
async function deadman(robot: MeasuredRobot, viewer: SocketChannel | undefined, robotId: string): Promise<{ fromEmit: number; fromReceipt: number }> {
  let last = 0;
  for (let i = 0; i < 6; i++) {
    robot.received.delete("F");
    last = epochMs();
    hold(viewer, robotId);
    await Bun.sleep(100);
  }
  await waitUntil(() => stopAfter(robot, last) !== undefined, 3000);
  const stop = stopAfter(robot, last) ?? Number.NaN;
  return { fromEmit: stop - last, fromReceipt: stop - (robot.received.get("F") ?? Number.NaN) };
}

async function lostConnection(serve: ServeProcess, robot: MeasuredRobot, viewer: SocketChannel | undefined, robotId: string): Promise<number> {
  const refresh = setInterval(() => hold(viewer, robotId), 100);
  try {
    hold(viewer, robotId);
    await Bun.sleep(300);
    const from = robot.links.length;
    await serve.restart(); // SIGTERM: serve closes the robot's sockets on its way out
    const down = robot.links.slice(from).find((l) => l.state === "down")?.at;
    if (down === undefined) return Number.NaN;
    await waitUntil(() => stopAfter(robot, down - 50) !== undefined, 2000);
    return (stopAfter(robot, down - 50) ?? Number.NaN) - down;
  } finally {
    clearInterval(refresh);
  }
}

async function silentServer(serve: ServeProcess, robot: MeasuredRobot, boundMs: number): Promise<number> {
  const from = robot.links.length;
  const t0 = epochMs();
  serve.freeze(true);
  try {
    await waitUntil(() => robot.links.slice(from).some((l) => l.state === "down"), boundMs, 50);
  } finally {
    serve.freeze(false);
  }
  const down = robot.links.slice(from).find((l) => l.state === "down")?.at;
  return down === undefined ? Number.NaN : down - t0;
}

/** R4: run the executor's property test; 0 dropped when it passes. */
async function propertyTest(options: BenchOptions): Promise<{ dropped: number; note?: string }> {
  const file = join(options.root, "test/robot/executor.test.ts");
  if (!existsSync(file)) return { dropped: Number.NaN, note: "R4 not run: test/robot/executor.test.ts needs the source tree" };
  const child = startChild([bunPath(), "test", file, "-t", "10,000 randomised"], { env: { ...process.env, NO_COLOR: "1" } });
  const code = await child.child.exited;
  await child.stop();
  return code === 0 ? { dropped: 0 } : { dropped: Number.NaN, note: `R4 property test failed (exit ${code}): ${child.stderr().slice(-300)}` };
}

export const safetySuite: Suite = {
  name: "safety",
  description: "R1 dead-man / lost connection / silent server stops and R4 no lost stop (property test)",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const livenessS = options.smoke ? 3 : 15; // R1 (docs/performance.md): a silent server is seen ≤ 15 s (the default)
    const notes: string[] = [];
    const serve = await startServe(options.cli);
    const pool = socketPool(serve.url);
    const results = { deadman: [] as number[], deadmanFromEmit: [] as number[], lost: [] as number[], silent: [] as number[] };
    let robot: MeasuredRobot | undefined;
    try {
      robot = await startMeasuredRobot(serve.url, serve.robot, {}, { liveness_s: livenessS });
      const viewer = async () => (await openViewers(pool, 1, `safety${Math.random().toString(36).slice(2, 6)}`))[0];
      let driver = await viewer();
      for (let r = 0; r < rounds; r++) {
        const d = await deadman(robot, driver, serve.robot.robotId);
        results.deadman.push(d.fromReceipt);
        results.deadmanFromEmit.push(d.fromEmit);
        await Bun.sleep(200);
      }
      for (let r = 0; r < Math.max(1, rounds - 1); r++) {
        results.lost.push(await lostConnection(serve, robot, driver, serve.robot.robotId));
        if (!(await robot.online(10_000))) throw new Error("the robot did not reconnect after serve restarted");
        driver?.close();
        driver = await viewer();
      }
      results.silent.push(await silentServer(serve, robot, livenessS * 1000 + 5000));
      driver?.close();
    } finally {
      await robot?.stop();
      pool.closeAll();
      await serve.stop();
    }
    const r4 = await propertyTest(options);
    if (r4.note) notes.push(r4.note);
    options.log(`  dead-man ${results.deadman.map((v) => v.toFixed(0)).join(", ")} ms; lost connection → stop ${results.lost.map((v) => v.toFixed(1)).join(", ")} ms; silent server detected ${results.silent.map((v) => v.toFixed(0)).join(", ")} ms; R4 dropped ${r4.dropped}`);
    const metrics: Metric[] = [
      { id: "R1", name: "last held refresh at the robot → motors stopped (dead-man)", unit: "ms", values: results.deadman, target: { op: "<=", value: 500 } },
      { id: "R1", name: "last held refresh emitted by the viewer → motors stopped", unit: "ms", values: results.deadmanFromEmit },
      { id: "R1", name: "lost connection detected → motors stopped", unit: "ms", values: results.lost, target: { op: "<=", value: 500 } },
      { id: "R1", name: `silent (frozen) server → detected, liveness_s = ${livenessS}`, unit: "ms", values: results.silent, target: { op: "<=", value: 15_000 } },
      { id: "R4", name: "stops/releases dropped in 10,000 randomised sequences", unit: "", values: [r4.dropped], target: { op: "<=", value: 0 } },
    ];
    notes.push("the dead-man timer is armed at deadman_ms = 500 after the robot received the last refresh, minus the event loop's recent timer lateness (at least 10 ms), so a late timer still stops by 500 ms");
    return { metrics, details: { rounds, liveness_s: livenessS, ...results }, notes };
  },
};
