import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { epochMs, waitUntil } from "../core/proc.ts";
import { type MeasuredRobot, startMeasuredRobot } from "../core/robot.ts";
import { startServe } from "../core/serve.ts";
import { openViewers, paced, socketPool } from "../core/sockets.ts";
import { percentile } from "../core/stats.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

type EmulatedBoardModule = typeof import("../../test/hardware/emulated-board.ts");

/**
 * L3 command → actuation through `letsrobot serve` (the compiled binary, default per-user limits) and the
 * real robot code (startRobot) in this process:
 *   A. server hop (viewer emit → robot control socket) and emit → sim driver applied, at 10, 100 and
 *      1,000 commands/s (viewers at 5 commands/s each, under the per-user limit);
 *   B. end to end to the pin: the Firmata driver on an emulated Uno running StandardFirmata (test/hardware),
 *      F and stop alternating at 5/s, time until the emulator sees the left motor's PWM duty change.
 */
interface RateRun {
  rate: number;
  hopP50: number;
  hopP99: number;
  applyP50: number;
  applyP95: number;
  lost: number;
}

async function rateRun(url: string, robot: MeasuredRobot, robotId: string, viewers: SocketChannel[], rate: number, seconds: number, tag: string): Promise<RateRun> {
  const count = Math.min(viewers.length, Math.max(2, Math.ceil(rate / 5)));
  const sentAt = new Map<string, number>();
  const emit = (word: string, seq: number) => viewers[seq % count]?.emit("command_to_robot", { robot_id: robotId, command: word, key_position: "" }, () => {});
  const sent = await paced(rate, seconds, (seq) => {
    const word = `K${tag}n${seq}`;
    sentAt.set(word, epochMs());
    emit(word, seq);
  });
  await waitUntil(() => [...sentAt.keys()].every((w) => robot.received.has(w)), 2000, 50);
  const appliedAt = new Map(robot.applied.map((a) => [a.what, a.at]));
  const hop: number[] = [];
  const apply: number[] = [];
  for (const [word, t0] of sentAt) {
    const rx = robot.received.get(word);
    if (rx !== undefined) hop.push(rx - t0);
    const done = appliedAt.get(word);
    if (done !== undefined) apply.push(done - t0);
  }
  void url;
  return { rate, hopP50: percentile(hop, 50), hopP99: percentile(hop, 99), applyP50: percentile(apply, 50), applyP95: percentile(apply, 95), lost: sent - hop.length };
}

interface PinRun {
  e2eP50: number;
  e2eP95: number;
  hopP50: number;
  boardP50: number;
}

async function pinRound(board: Awaited<ReturnType<EmulatedBoardModule["startEmulatedBoard"]>>, robot: MeasuredRobot, robotId: string, viewers: SocketChannel[], commands: number, pwmPin: number): Promise<PinRun> {
  const e2e: number[] = [];
  const hop: number[] = [];
  const boardShare: number[] = [];
  for (let i = 0; i < commands; i++) {
    const slot = performance.now() + 200;
    const word = i % 2 === 0 ? "F" : "stop";
    const duty = word === "F" ? 255 : 0;
    robot.received.delete(word);
    const appliedBefore = robot.applied.length;
    const t0 = epochMs();
    viewers[i % viewers.length]?.emit("command_to_robot", { robot_id: robotId, command: word, key_position: "" }, () => {});
    const seen = await board.waitFor((s) => s.t >= t0 && s.duty[String(pwmPin)] === duty, 3000, `pin ${pwmPin} duty ${duty}`);
    e2e.push(seen.t - t0);
    const rx = robot.received.get(word);
    if (rx !== undefined) hop.push(rx - t0);
    const applied = robot.applied.slice(appliedBefore).find((a) => a.what === (word === "F" ? "drive" : "stop"));
    if (applied !== undefined && rx !== undefined) boardShare.push(seen.t - rx);
    const wait = slot - performance.now();
    if (wait > 0) await Bun.sleep(wait);
  }
  return { e2eP50: percentile(e2e, 50), e2eP95: percentile(e2e, 95), hopP50: percentile(hop, 50), boardP50: percentile(boardShare, 50) };
}

export const commandSuite: Suite = {
  name: "command",
  description: "L3: viewer emit → serve → robot → driver, at 10/100/1,000 commands/s; end to end to the pin of an emulated Uno",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    const seconds = options.seconds ?? (options.smoke ? 1 : 3);
    const rates = options.smoke ? [100] : [10, 100, 1000];
    const top = rates.at(-1) as number;
    const notes: string[] = [];
    const serve = await startServe(options.cli);
    const pool = socketPool(serve.url);
    const runs: RateRun[] = [];
    const pinRuns: PinRun[] = [];
    try {
      const viewers = await openViewers(pool, Math.ceil(top / 5), "fan");
      const robot = await startMeasuredRobot(serve.url, serve.robot);
      try {
        await paced(top, 0.5, (seq) => viewers[seq % viewers.length]?.emit("command_to_robot", { robot_id: serve.robot.robotId, command: `warm${seq}`, key_position: "" }, () => {}));
        await Bun.sleep(1100); // let the per-user budgets refill
        for (const rate of rates) {
          const times = rate === top ? rounds : 1;
          for (let r = 0; r < times; r++) {
            const run = await rateRun(serve.url, robot, serve.robot.robotId, viewers, rate, seconds, `${rate}r${r}`);
            runs.push(run);
            options.log(`  ${rate}/s: server hop p50 ${run.hopP50.toFixed(2)} p99 ${run.hopP99.toFixed(2)} ms; emit → sim driver applied p50 ${run.applyP50.toFixed(2)} p95 ${run.applyP95.toFixed(2)} ms; lost ${run.lost}`);
            await Bun.sleep(1100);
          }
        }
      } finally {
        await robot.stop();
      }
      const helper = join(options.root, "test/hardware/emulated-board.ts");
      if (!existsSync(helper) || !Bun.which("socat")) {
        notes.push("pin-level L3 not run: needs the source tree's test/hardware emulator and socat");
      } else {
        const { startEmulatedBoard } = (await import(helper)) as EmulatedBoardModule;
        const board = await startEmulatedBoard();
        try {
          const pinRobot = await startMeasuredRobot(serve.url, serve.robot, { driver: "firmata", port: board.port });
          try {
            const pwmPin = pinRobot.config.hardware.left_pwm;
            for (let r = 0; r < rounds; r++) {
              const run = await pinRound(board, pinRobot, serve.robot.robotId, viewers.slice(0, 4), options.smoke ? 6 : 16, pwmPin);
              pinRuns.push(run);
              options.log(`  to the pin: emit → PWM duty changed p50 ${run.e2eP50.toFixed(2)} p95 ${run.e2eP95.toFixed(2)} ms (server hop p50 ${run.hopP50.toFixed(2)}, robot → board p50 ${run.boardP50.toFixed(2)})`);
            }
          } finally {
            await pinRobot.stop();
          }
        } finally {
          await board.dispose();
        }
      }
    } finally {
      pool.closeAll();
      await serve.stop();
    }
    const at = runs.filter((r) => r.rate === top);
    const metrics: Metric[] = [
      { id: "L3", name: `server hop p99 at ${top}/s (emit → robot socket)`, unit: "ms", values: at.map((r) => r.hopP99), target: { op: "<=", value: 10 } },
      { id: "L3", name: `server hop p50 at ${top}/s`, unit: "ms", values: at.map((r) => r.hopP50) },
      { id: "L3", name: `emit → sim driver applied p95 at ${top}/s`, unit: "ms", values: at.map((r) => r.applyP95) },
      { id: "L3", name: `commands lost at ${top}/s`, unit: "", values: at.map((r) => r.lost), target: { op: "<=", value: 0 } },
    ];
    for (const r of runs.filter((x) => x.rate !== top)) metrics.push({ id: "L3-curve", name: `server hop p99 at ${r.rate}/s (1 round)`, unit: "ms", values: [r.hopP99] });
    if (pinRuns.length > 0) {
      metrics.push(
        { id: "L3", name: "end to end p95, emit → pin (emulated Uno, Firmata)", unit: "ms", values: pinRuns.map((r) => r.e2eP95), target: { op: "<=", value: 100 } },
        { id: "L3", name: "end to end p50, emit → pin", unit: "ms", values: pinRuns.map((r) => r.e2eP50) },
        { id: "L3-part", name: "robot socket → pin p50 (robot + Firmata + 57600 baud)", unit: "ms", values: pinRuns.map((r) => r.boardP50) },
      );
    }
    return { metrics, details: { rounds, seconds, rates, runs, pin: pinRuns }, notes };
  },
};
