import { createConnection, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A loopback TCP proxy that injects network faults between robot and server:
 * - pass: bytes flow both ways;
 * - blackhole: connections stay open but every byte is swallowed (a "connected" but silent server);
 * - drop: every connection is reset, and new ones are refused until the mode changes.
 */
type FaultMode = "pass" | "blackhole" | "drop";

export interface FaultProxy {
  port: number;
  mode: FaultMode;
  set(mode: FaultMode): void;
  /** Open client connections. */
  connections(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<FaultProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let mode: FaultMode = "pass";
  const server = createServer((client) => {
    if (mode === "drop") {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk) => {
      if (mode === "pass") upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (mode === "pass") client.write(chunk);
    });
    for (const socket of pair) {
      socket.on("error", end);
      socket.on("close", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: FaultProxy = {
    port: (server.address() as AddressInfo).port,
    get mode() {
      return mode;
    },
    set(next) {
      mode = next;
      if (next === "drop") {
        for (const [client, upstream] of pairs) {
          client.resetAndDestroy();
          upstream.destroy();
        }
        pairs.clear();
      }
    },
    connections: () => pairs.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
