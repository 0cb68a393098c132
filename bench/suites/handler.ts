import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeSocket, FakeSocketServer, inProcessPlatform } from "../../test/server/fake-socket.ts";
import { percentile } from "../core/stats.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

/**
 * C3 in detail: what our command handlers cost per command, without the network. The platform's socket
 * handlers (guard, validation, store lookup, per-user limits, the robot's rooms, the ack) run in this
 * process on in-memory sockets (test/server/fake-socket.ts); beside them, on the same kind of socket, a
 * handler that only forwards and acks, as the bare socket.io floor of `throughput` does. One command per
 * turn of the event loop, as a server sees them.
 *
 * Warm: commands back to back, everything in cache. Cold: 16 MB of memory walked between two commands,
 * so each starts with the cache a busy server's command starts with (the network stack and socket.io ran
 * in between). The cold numbers are the ones that match the server's measured CPU: at these rates a
 * command's cost is mostly the memory it touches.
 */
const VIEWERS = 50;
const COLD_BYTES = 16 * 1024 * 1024;

export const handlerSuite: Suite = {
  name: "handler",
  description: "C3 detail: ns per command in our socket handlers vs a bare forward, warm and with a cold cache (in-process)",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 7);
    const perRound = options.smoke ? 500 : 5000;
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-bench-handler-"));
    const platform = await inProcessPlatform(dir, { commandsPerSecond: 1e6, commandBurst: 1e6, eventsPerSecond: 1e6, eventBurst: 1e6 });
    try {
      const { robot, secrets } = platform.store.ensureRobot({ name: "bench", owner: "bench" });
      const robotSocket = platform.connect({ robot_key: secrets.robotKey });
      robotSocket.send("robot_id", robot.id);
      const ours = Array.from({ length: VIEWERS }, (_, i) => platform.connect({ name: `viewer${i}` }));
      const bare = Array.from({ length: VIEWERS }, () => {
        const socket = new FakeSocket(new FakeSocketServer());
        socket.on("command_to_robot", (data, ack) => {
          robotSocket.emit("command_to_robot", data);
          ack?.({ ok: true });
        });
        return socket;
      });
      // the store asks SQLite for 2 s after a write (lib/server/store/write-watch.ts): measure after that
      await Bun.sleep(options.smoke ? 0 : 2500);
      const walk = new Float64Array(COLD_BYTES / 8);
      const command = (i: number) => ({ robot_id: robot.id, command: `C${i}`, key_position: "" });
      /** Median ns of one command, one per turn; `cold`: the walk between two (not timed). */
      const measure = async (sockets: FakeSocket[], cold: boolean) => {
        const times: number[] = [];
        for (let i = 0; i < perRound; i++) {
          if (cold) for (let j = 0; j < walk.length; j += 8) walk[j] = (walk[j] as number) + 1;
          const socket = sockets[i % VIEWERS] as FakeSocket;
          const data = command(i);
          const t0 = performance.now();
          socket.send("command_to_robot", data);
          times.push((performance.now() - t0) * 1e6);
          if (robotSocket.received.length > 1000) robotSocket.received.length = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        return percentile(times, 50);
      };
      const results = { warm: { ours: [] as number[], bare: [] as number[] }, cold: { ours: [] as number[], bare: [] as number[] } };
      for (let r = 0; r < rounds; r++) {
        for (const mode of ["warm", "cold"] as const) {
          results[mode].ours.push(await measure(ours, mode === "cold"));
          results[mode].bare.push(await measure(bare, mode === "cold"));
        }
        options.log(`  round ${r + 1}: warm ${results.warm.ours.at(-1)?.toFixed(0)} vs ${results.warm.bare.at(-1)?.toFixed(0)} ns; cold ${results.cold.ours.at(-1)?.toFixed(0)} vs ${results.cold.bare.at(-1)?.toFixed(0)} ns`);
      }
      if (!robotSocket.received.some((e) => e.event === "command_to_robot")) throw new Error("no command reached the robot socket");
      const metrics: Metric[] = (["warm", "cold"] as const).map((mode) => ({
        id: "C3-handler",
        name: `one command through our handlers, ${mode === "warm" ? "warm" : "cold cache"}`,
        unit: "ns",
        values: results[mode].ours,
        reference: { name: "forward + ack", values: results[mode].bare },
      }));
      return { metrics, details: { viewers: VIEWERS, perRound, coldBytes: COLD_BYTES }, notes: ["in-process, one command per event-loop turn; the median of each round"] };
    } finally {
      platform.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
