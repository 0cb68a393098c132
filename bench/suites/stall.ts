import { createServer, connect as tcpConnect, type Socket } from "node:net";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createLogger } from "../../lib/log.ts";
import { toStreamPlan } from "../../lib/media/plan.ts";
import { type StreamSupervisor, superviseStreams } from "../../lib/media/supervisor.ts";
import { socketUploader } from "../../lib/media/upload.ts";
import { epochMs, waitUntil } from "../core/proc.ts";
import { startServe } from "../core/serve.ts";
import type { BenchOptions, Metric, Suite, SuiteResult } from "../core/types.ts";

/**
 * R3 ffmpeg stall recovery with the real stream supervisor (lib/media/supervisor.ts) streaming a lavfi test
 * pattern to `letsrobot serve` through a loopback proxy, a viewer websocket on the relay:
 *   - SIGSTOP: the running ffmpeg is frozen; time until the supervisor says "stalled" (its log line) and
 *     until video reaches the relay's viewer again (first chunk after the detection);
 *   - blackhole: the upload's TCP connection goes silent (the proxy stops reading it; new connections pass),
 *     as when a relay hangs; same two times, bounded.
 */
interface Blackhole {
  port: number;
  /** Stop reading every connection open now; later connections pass. */
  swallow(): void;
  close(): Promise<void>;
}

async function startProxy(targetPort: number): Promise<Blackhole> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = tcpConnect(targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    swallow() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        client.pause();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

interface Recovery {
  detectedMs: number;
  backMs: number;
}

const fmt = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : "not within the bound");

export const stallSuite: Suite = {
  name: "stall",
  description: "R3: ffmpeg frozen (SIGSTOP) or upload blackholed under the stream supervisor; stall detected, video back at the relay",
  async run(options: BenchOptions): Promise<SuiteResult> {
    const rounds = options.rounds ?? (options.smoke ? 1 : 2);
    const boundMs = options.smoke ? 6000 : options.long ? 60_000 : 12_000;
    const serve = await startServe(options.cli);
    const proxy = await startProxy(serve.port);
    const stalls: { t: number; line: string }[] = [];
    const logged: string[] = [];
    const sink = {
      write: (s: string) => {
        logged.push(s.trim());
        if (/stalled/.test(s)) stalls.push({ t: epochMs(), line: s.trim() });
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WriteStream;
    const config = merge(defaults(), { video: { device: "lavfi:testsrc2=size=640x480:rate=30" }, audio: { enabled: false } } as Record<string, Record<string, unknown>>);
    const plan = toStreamPlan(config, { relayHost: "127.0.0.1", videoPort: proxy.port, audioPort: proxy.port, streamKey: serve.robot.streamKey, xres: 640, yres: 480 });
    const arrivals: number[] = [];
    const viewer = new WebSocket(`ws://127.0.0.1:${serve.port}/ws/stream/${serve.robot.cameraId}/video`);
    viewer.onmessage = () => arrivals.push(epochMs());
    let supervisor: StreamSupervisor | undefined;
    const results: Record<"sigstop" | "blackhole", Recovery[]> = { sigstop: [], blackhole: [] };
    try {
      await new Promise((resolve, reject) => {
        viewer.onopen = resolve;
        viewer.onerror = () => reject(new Error("cannot open a viewer websocket on the relay"));
      });
      supervisor = superviseStreams(plan, { log: createLogger("warn", sink), upload: socketUploader });
      const live = () => arrivals.length > 0 && epochMs() - (arrivals.at(-1) as number) < 300;
      const pid = () => supervisor?.status().video.pid;
      const once = async (kind: "sigstop" | "blackhole"): Promise<Recovery> => {
        if (!(await waitUntil(() => live() && pid() !== undefined, 15_000))) throw new Error(`no video at the relay before the fault (${arrivals.length} chunks so far); supervisor said: ${logged.slice(-3).join(" | ") || "nothing"}`);
        // a stream that ran 10 s without trouble restarts with the first backoff step: fault a healthy one
        await Bun.sleep(options.smoke ? 1000 : 10_500);
        const victim = pid() as number;
        const seen = stalls.length;
        const t0 = epochMs();
        if (kind === "sigstop") process.kill(victim, "SIGSTOP");
        else proxy.swallow();
        await waitUntil(() => stalls.length > seen, boundMs, 20);
        const detected = stalls[seen]?.t;
        const detectedMs = detected !== undefined ? detected - t0 : Number.NaN;
        let backMs = Number.NaN;
        // video is back when a chunk of the next ffmpeg (a new pid) reaches the relay's viewer
        if (detected !== undefined && (await waitUntil(() => (pid() ?? victim) !== victim, 15_000, 10))) {
          const restarted = epochMs();
          if (await waitUntil(() => (arrivals.at(-1) ?? 0) > restarted, 15_000, 10)) backMs = (arrivals.find((t) => t > restarted) as number) - t0;
        }
        options.log(`  ${kind}: stall detected after ${fmt(detectedMs)}, video back at the relay after ${fmt(backMs)}`);
        return { detectedMs, backMs };
      };
      for (let r = 0; r < rounds; r++) results.sigstop.push(await once("sigstop"));
      results.blackhole.push(await once("blackhole"));
    } finally {
      await supervisor?.stop();
      viewer.close();
      await proxy.close();
      await serve.stop();
    }
    const metrics: Metric[] = [
      { id: "R3", name: "SIGSTOP ffmpeg → stall detected", unit: "ms", values: results.sigstop.map((r) => r.detectedMs), target: { op: "<=", value: 3000 } },
      { id: "R3", name: "SIGSTOP ffmpeg → video back at the relay", unit: "ms", values: results.sigstop.map((r) => r.backMs), target: { op: "<=", value: 10_000 } },
      { id: "R3", name: "upload blackholed → stall detected (1 round)", unit: "ms", values: results.blackhole.map((r) => r.detectedMs), target: { op: "<=", value: 3000 } },
      { id: "R3", name: "upload blackholed → video back at the relay", unit: "ms", values: results.blackhole.map((r) => r.backMs), target: { op: "<=", value: 10_000 } },
    ];
    const notes = [`the supervisor's stall threshold is 3 s of no ffmpeg progress; a fault not detected within ${boundMs / 1000} s is reported as no data`];
    return { metrics, details: { rounds, bound_ms: boundMs, results, stall_lines: stalls.map((s) => s.line) }, notes };
  },
};
