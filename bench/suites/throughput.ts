import { join } from "node:path";
import { cpuSeconds, epochMs, startChild, waitUntil } from "../core/proc.ts";
import { type BunChild, bunPath, startPlatformChild, startSocketIoFloor } from "../core/serve.ts";
import { openViewers, paced, socketPool } from "../core/sockets.ts";
import { percentile } from "../core/stats.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

/**
 * C3 server command throughput: 50 viewer sockets emit `command_to_robot` at 5,000 and 10,000 per second to one
 * robot socket through the platform (its own process: lib/server/platform.ts with the per-user command
 * limits lifted, since a load script sends far more per viewer than a person). Per rate: server CPU % of one
 * core per second of sending (/proc, CPU seconds over the batch), p50/p99 viewer emit → robot receipt, commands lost (counted at the robot), refused.
 * Side by side in the same run: a bare socket.io 4 forwarder (no validation, limits or lookups), the floor
 * of this transport on this machine with this load generator. The rounds run one server after the other;
 * the `at once` rounds run both at the same time, each driven from its own process (bench/core/load-child.ts),
 * so a busy moment of a shared machine weighs on both alike: their ratio scatters far less, and the ratio
 * goals (CPU ≤ 1.15×, p99 ≤ 1.25×) are judged on them. The one-after-the-other rounds still show each
 * server alone (the absolute goals: ≤ 50 % of a core, p99 ≤ 10 ms, nothing lost).
 */
const VIEWERS = 50;
const RATES = [5000, 10_000];
/**
 * Both servers send at the rate this long before the measured seconds, so both are measured warm: at these
 * rates the JIT keeps compiling hotter tiers of socket.io's code and ours for seconds, and that CPU is a cost
 * of starting, not of relaying. With 1 s of warm-up the same code measured 1.23× the floor at 5,000/s; with
 * 3 s 1.15×, with 5 s 1.11× (and the floor's own CPU fell by a fifth).
 */
const WARM_SECONDS = 5;

interface RateRun {
  rate: number;
  sent: number;
  received: number;
  lost: number;
  refused: number;
  p50: number;
  p99: number;
  cpu: number;
}

/** `startAt` (epoch ms): wait until then to start sending, so two load generators measure the same seconds. */
export async function atRate(start: () => Promise<BunChild>, rate: number, seconds: number, warmSeconds: number, startAt = 0): Promise<RateRun> {
  const platform = await start();
  const pool = socketPool(platform.url);
  try {
    const robot = await pool.open({ robot_key: platform.robot.robotKey });
    await new Promise((resolve) => robot.emit("robot_id", platform.robot.robotId, resolve));
    const viewers = await openViewers(pool, VIEWERS);
    const sentAt: number[] = [];
    const latencies: number[] = [];
    robot.on("command_to_robot", (data) => {
      const command = (data as { command?: string }).command ?? "";
      if (!command.startsWith("C")) return;
      const seq = Number(command.slice(1));
      const t = sentAt[seq];
      if (t !== undefined) latencies.push(epochMs() - t);
    });
    await Bun.sleep(Math.max(0, startAt - Date.now()));
    let refused = 0;
    const emit = (command: string) =>
      viewers[Math.floor(Math.random() * VIEWERS)]?.emit("command_to_robot", { robot_id: platform.robot.robotId, command, key_position: "" }, (ack) => {
        if ((ack as { ok?: boolean } | undefined)?.ok === false) refused++;
      });
    // the same rate first, not measured: both servers are measured warm (JIT, pools)
    await paced(rate, warmSeconds, () => emit("W"));
    await Bun.sleep(200);
    refused = 0;
    // CPU seconds the server spent on this batch (drain included), per second of sending: the share of one
    // core this rate costs, whatever the load generator's own lateness on a busy machine
    const cpu0 = cpuSeconds(platform.child.pid);
    const sent = await paced(rate, seconds, (seq) => {
      sentAt[seq] = epochMs();
      emit(`C${seq}`);
    });
    await waitUntil(() => latencies.length >= sent, 3000);
    const used = ((cpuSeconds(platform.child.pid) - cpu0) / seconds) * 100;
    return { rate, sent, received: latencies.length, lost: sent - latencies.length, refused, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpu: used };
  } finally {
    pool.closeAll();
    await platform.stop();
  }
}

/** Our platform and the floor at one rate at the same time, each under its own load generator. */
async function atOnce(root: string, rate: number, seconds: number, warmSeconds: number): Promise<{ ours: RateRun; bare: RateRun }> {
  // both servers start and connect their sockets first (a few seconds), then send in the same seconds
  const startAt = Date.now() + 8000;
  const run = async (who: "ours" | "bare") => {
    const child = startChild([bunPath(), join(root, "bench/core/load-child.ts"), root, who, String(rate), String(seconds), String(warmSeconds), String(startAt)]);
    try {
      return JSON.parse(await child.waitLine((l) => l.startsWith("{"), startAt - Date.now() + (warmSeconds + seconds) * 1000 + 20_000)) as RateRun;
    } finally {
      await child.stop(3000);
    }
  };
  const [ours, bare] = await Promise.all([run("ours"), run("bare")]);
  return { ours, bare };
}

export const throughputSuite: Suite = {
  name: "throughput",
  description: `C3: ${VIEWERS} viewer sockets → platform → one robot socket at ${RATES.join(" and ")} commands/s, vs bare socket.io`,
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 3);
    // 6 s: at 10 % of a core that is 60 ticks of /proc CPU time (10 ms each), so one tick is under 2 %
    const seconds = options.seconds ?? (options.smoke ? 1 : 6);
    const rates = options.smoke ? [500] : RATES;
    const warm = options.smoke ? 1 : WARM_SECONDS;
    const ours = () => startPlatformChild(options.root);
    const floor = () => startSocketIoFloor(options.root);
    const runs = new Map<number, { ours: RateRun[]; bare: RateRun[] }>(rates.map((rate) => [rate, { ours: [], bare: [] }]));
    const together = new Map<number, { ours: RateRun[]; bare: RateRun[] }>(rates.map((rate) => [rate, { ours: [], bare: [] }]));
    const show = (who: string, r: RateRun) =>
      options.log(
        `  ${who.padEnd(16)} ${r.rate}/s: sent ${r.sent}, received ${r.received}, lost ${r.lost}, refused ${r.refused}; emit → robot p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms; server CPU ${r.cpu.toFixed(1)} %`,
      );
    // ours and the floor alternate at each rate in each round (who goes first alternates too), so a busier
    // minute of the machine hits both
    for (let r = 0; r < rounds; r++) {
      for (const rate of rates) {
        const pair = runs.get(rate) as { ours: RateRun[]; bare: RateRun[] };
        for (const who of r % 2 === 0 ? (["ours", "bare"] as const) : (["bare", "ours"] as const)) {
          const run = await atRate(who === "ours" ? ours : floor, rate, seconds, warm);
          show(who === "ours" ? "letsrobot" : "bare socket.io", run);
          pair[who].push(run);
        }
        const both = await atOnce(options.root, rate, seconds, warm);
        show("letsrobot, at once", both.ours);
        show("bare, at once", both.bare);
        together.get(rate)?.ours.push(both.ours);
        together.get(rate)?.bare.push(both.bare);
      }
    }
    const at = (list: RateRun[], key: keyof RateRun) => list.map((r) => r[key]);
    const metrics: Metric[] = [];
    for (const [rate, pair] of runs) {
      const bare = (key: keyof RateRun) => ({ name: "bare socket.io 4", values: at(pair.bare, key) });
      const target = rate <= 5000;
      metrics.push(
        // the ratio goals are judged on the rounds run at once: one after the other, the two servers meet
        // different minutes of a shared machine (single rounds scattered 0.86×–1.43× at 5,000/s; at once ±0.04×)
        { id: "C3", name: `server CPU at ${rate} commands/s`, unit: "%", values: at(pair.ours, "cpu"), ...(target ? { target: { op: "<=" as const, value: 50 } } : {}), reference: bare("cpu") },
        {
          id: "C3",
          name: `server CPU at ${rate}/s, both at once`,
          unit: "%",
          values: at(together.get(rate)?.ours ?? [], "cpu"),
          reference: { name: "bare socket.io 4", values: at(together.get(rate)?.bare ?? [], "cpu") },
          ratioGoal: { op: "<=", value: 1.15 },
        },
        { id: "C3", name: `emit → robot p99 at ${rate}/s`, unit: "ms", values: at(pair.ours, "p99"), ...(target ? { target: { op: "<=" as const, value: 10 } } : {}), reference: bare("p99") },
        {
          id: "C3",
          name: `emit → robot p99 at ${rate}/s, both at once`,
          unit: "ms",
          values: at(together.get(rate)?.ours ?? [], "p99"),
          reference: { name: "bare socket.io 4", values: at(together.get(rate)?.bare ?? [], "p99") },
          ratioGoal: { op: "<=", value: 1.25 },
        },
        { id: "C3", name: `emit → robot p50 at ${rate}/s`, unit: "ms", values: at(pair.ours, "p50"), reference: bare("p50") },
        { id: "C3", name: `commands lost at ${rate}/s`, unit: "", values: at(pair.ours, "lost"), target: { op: "<=", value: 0 }, reference: bare("lost") },
        { id: "C3", name: `commands refused at ${rate}/s`, unit: "", values: at(pair.ours, "refused") },
      );
    }
    return {
      metrics,
      details: { viewers: VIEWERS, seconds, warmSeconds: warm, runs: Object.fromEntries(runs), atOnce: Object.fromEntries(together) },
      notes: ["per-user command limits lifted in the platform under test (the same code `serve` runs); viewers and robot socket run in the benchmark process"],
    };
  },
};
