import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { type Child, startChild } from "../core/proc.ts";
import { type ServeProcess, startServe } from "../core/serve.ts";

/** The two relays of the C2 benchmark, and what the kernel holds for their viewers' connections. */
export interface RelayUnderTest {
  name: string;
  pid: number;
  ingestUrl: string;
  viewerUrl: string;
  wsPort: number;
  wsPath: string;
  /** What the relay says about its viewers that had chunks dropped (ours only): bytes held and accepted. */
  overBound?: () => Promise<{ queued: number; sent: number }[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function ours(cli: string[]): Promise<RelayUnderTest> {
  const serve: ServeProcess = await startServe(cli);
  const path = `/ws/stream/${serve.robot.cameraId}/video`;
  return {
    name: "letsrobot serve",
    pid: serve.child.pid,
    ingestUrl: `${serve.url}/${serve.robot.streamKey}/640/480/`,
    viewerUrl: `ws://127.0.0.1:${serve.port}${path}`,
    wsPort: serve.port,
    wsPath: path,
    overBound: async () => {
      const status = (await (await fetch(`${serve.url}/api/status`)).json()) as { streams: { viewers: { queued: number; sent: number; dropped: number }[] }[] };
      return status.streams.flatMap((s) => s.viewers.filter((v) => v.dropped > 0));
    },
    stop: () => serve.stop(),
  };
}

export function referenceRelayPath(root: string): string {
  return join(root, "node_modules/jsmpeg-player/ws/websocket-relay.js");
}

export async function reference(root: string): Promise<RelayUnderTest> {
  const script = referenceRelayPath(root);
  const httpPort = await freePort();
  const wsPort = await freePort();
  const child: Child = startChild(["node", script, "benchsecret", String(httpPort), String(wsPort)], { env: { ...process.env, NODE_PATH: join(root, "node_modules") } });
  await child.waitLine((l) => l.includes("Awaiting WebSocket"), 10_000);
  return {
    name: "jsmpeg websocket-relay.js (node)",
    pid: child.pid,
    ingestUrl: `http://127.0.0.1:${httpPort}/benchsecret`,
    viewerUrl: `ws://127.0.0.1:${wsPort}/`,
    wsPort,
    wsPath: "/",
    stop: () => child.stop(2000),
  };
}

/**
 * Bytes the kernel holds for one loopback connection: the relay side's send queue plus our side's receive
 * queue (from /proc/net/tcp, tx_queue and rx_queue of the two ends).
 */
export function kernelQueuedBytes(relayPort: number, clientPort: number, table = readTcpTable()): number {
  let total = 0;
  for (const row of table) {
    if (row.local === relayPort && row.remote === clientPort) total += row.tx;
    if (row.local === clientPort && row.remote === relayPort) total += row.rx;
  }
  return total;
}

export function readTcpTable(): { local: number; remote: number; tx: number; rx: number }[] {
  let text = "";
  try {
    text = readFileSync("/proc/net/tcp", "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 4)
    .map((f) => {
      const [tx, rx] = (f[4] ?? "0:0").split(":");
      return { local: Number.parseInt((f[1] ?? "").split(":")[1] ?? "0", 16), remote: Number.parseInt((f[2] ?? "").split(":")[1] ?? "0", 16), tx: Number.parseInt(tx ?? "0", 16), rx: Number.parseInt(rx ?? "0", 16) };
    });
}

