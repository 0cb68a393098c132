// C3: server command throughput. Many viewer sockets send command_to_robot at a fixed total rate to one
// robot; we time each command from the viewer's emit to the robot's receipt (through the server), count
// losses, and read the server process's CPU from /proc. Usage: bun bench/server/commands.ts [rate] [seconds] [viewers] [runs]
import type { SocketChannel } from "../../lib/net/channel.ts";
import { waitConnected } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { cpuSeconds, percentile, startChild, summary } from "./measure.ts";

const [rate = 5000, seconds = 5, viewerCount = 50, runs = 3] = process.argv.slice(2).map(Number);

async function once(run: number) {
  const { child, url, robot } = await startChild();
  const sockets: SocketChannel[] = [];
  try {
    const open = async (auth: Record<string, string>) => {
      const s = connectSocket({ url, auth, reconnect: false });
      sockets.push(s);
      await waitConnected(s, 5000);
      return s;
    };
    const robotSocket = await open({ robot_key: robot.robotKey });
    await new Promise((resolve) => robotSocket.emit("robot_id", robot.robotId, resolve));
    const viewers = await Promise.all(Array.from({ length: viewerCount }, (_, i) => open({ name: `viewer${i}` })));
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    robotSocket.on("command_to_robot", (data) => {
      const started = sentAt.get((data as { command: string }).command);
      if (started !== undefined) latencies.push(performance.now() - started);
    });
    let refused = 0;
    const total = rate * seconds;
    const cpuBefore = cpuSeconds(child.pid);
    const wallStart = performance.now();
    let sent = 0;
    // send in 10 ms ticks so the rate holds without a timer per command
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - wallStart) / 1000) * rate));
        while (sent < due) {
          const command = `C${sent}`;
          sentAt.set(command, performance.now());
          (viewers[sent % viewerCount] as SocketChannel).emit("command_to_robot", { robot_id: robot.robotId, command, key_position: "" }, (ack) => {
            if (!(ack as { ok: boolean }).ok) refused++;
          });
          sent++;
        }
        if (sent >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
    });
    const deadline = performance.now() + 5000;
    while (latencies.length < total && performance.now() < deadline) await Bun.sleep(10);
    const wall = (performance.now() - wallStart) / 1000;
    const cpu = ((cpuSeconds(child.pid) - cpuBefore) / wall) * 100;
    const sorted = latencies.sort((a, b) => a - b);
    const result = { run, rate, sent, received: latencies.length, lost: sent - latencies.length, refused, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpu };
    console.log(`run ${run}: ${sent} commands at ${rate}/s from ${viewerCount} viewers: received ${result.received}, lost ${result.lost}, refused ${refused}; viewer→robot p50 ${result.p50.toFixed(2)} ms p99 ${result.p99.toFixed(2)} ms; server CPU ${cpu.toFixed(1)} % of one core`);
    return result;
  } finally {
    for (const s of sockets) s.close();
    child.kill("SIGTERM");
    await child.exited;
  }
}

const results = [];
for (let i = 1; i <= runs; i++) results.push(await once(i));
const show = (name: string, values: number[], unit: string) => {
  const s = summary(values);
  console.log(`${name}: median ${s.median.toFixed(2)}${unit} (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)})`);
};
show("p99 viewer→robot", results.map((r) => r.p99), " ms");
show("p50 viewer→robot", results.map((r) => r.p50), " ms");
show("server CPU", results.map((r) => r.cpu), " % of one core");
console.log(`lost commands in all runs: ${results.reduce((n, r) => n + r.lost, 0)}`);
