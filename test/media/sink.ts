import type { Server } from "bun";
import { type AddressInfo, createServer, type Socket } from "node:net";

/**
 * A tiny relay stand-in on 127.0.0.1: accepts POSTed MPEG-TS at /{key}/{xres}/{yres}/, answers 403 for a
 * wrong key, keeps every byte per path, and can be stopped and started again on the same port.
 */
export interface Sink {
  port: number;
  /** Bytes received per path, the key replaced by "KEY". */
  received: Map<string, Uint8Array[]>;
  /** Total bytes received on a path ("/KEY/640/480/"). */
  total(path: string): number;
  /** Resolves once `path` has received at least `bytes` more than now. */
  waitFor(path: string, bytes: number, timeoutMs?: number): Promise<void>;
  /** Paths requested with a wrong key. */
  refused: string[];
  /** Close the port and every upload (a relay crash). */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): void;
}

export function startSink(key: string, port = 0): Sink {
  const received = new Map<string, Uint8Array[]>();
  const refused: string[] = [];
  const waiters: (() => void)[] = [];
  const total = (path: string) => (received.get(path) ?? []).reduce((n, c) => n + c.byteLength, 0);
  let server: Server<unknown> | undefined;
  const listen = (p: number) =>
    Bun.serve({
      hostname: "127.0.0.1",
      port: p,
      idleTimeout: 0,
      async fetch(request) {
        const parts = new URL(request.url).pathname.split("/");
        if (parts[1] !== key) {
          refused.push(parts.slice(2).join("/"));
          return new Response("wrong stream key", { status: 403 });
        }
        const path = ["", "KEY", ...parts.slice(2)].join("/");
        const chunks = received.get(path) ?? [];
        received.set(path, chunks);
        const reader = request.body?.getReader();
        try {
          for (;;) {
            const next = await reader?.read();
            if (!next || next.done) break;
            chunks.push(next.value);
            for (const w of waiters.splice(0)) w();
          }
        } catch {
          // the upload was cut
        }
        return new Response("ok");
      },
    });
  server = listen(port);
  const bound = server.port ?? port;
  return {
    port: bound,
    received,
    refused,
    total,
    waitFor(path, bytes, timeoutMs = 15000) {
      const goal = total(path) + bytes;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${path}: fewer than ${bytes} bytes within ${timeoutMs} ms (have ${total(path)})`)), timeoutMs);
        const check = () => {
          if (total(path) >= goal) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      await server?.stop(true);
      server = undefined;
    },
    start() {
      server ??= listen(bound);
    },
  };
}

/** A relay that accepts the first upload and never reads it (frozen); later connections are read, as after a recovery. */
export async function startFrozenRelay(): Promise<{ port: number; connections: () => number; laterBytes: () => number; close(): void }> {
  const connections: Socket[] = [];
  let laterBytes = 0;
  const server = createServer((socket) => {
    connections.push(socket);
    if (connections.length === 1) socket.pause();
    else socket.on("data", (chunk) => (laterBytes += chunk.length));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections.length,
    laterBytes: () => laterBytes,
    close() {
      for (const socket of connections) socket.destroy();
      server.close();
    },
  };
}
