import type { Server, ServerWebSocket } from "bun";

/**
 * A small Remo-style server written from docs/protocol.md section 2, on 127.0.0.1: the robot websocket at `/`,
 * the channel list, and `/transmit` uploads (Bearer robot key). It records what robots send and lets a
 * test push BUTTON_COMMAND / MESSAGE_RECEIVED frames to them.
 */
interface Received {
  e: string;
  d: unknown;
}

interface Upload {
  name: string;
  authorized: boolean;
  bytes: number;
}

export interface RemoTestServer {
  url: string;
  received: Received[];
  uploads: Upload[];
  /** Protocol pings received from robots (answered by Bun). */
  pings(): number;
  /** Robot sockets that are connected and authenticated. */
  robots(): number;
  send(e: string, d: unknown): void;
  /** Close every robot socket (the robot must reconnect by itself). */
  dropRobots(): void;
  waitFor(test: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  stop(): Promise<void>;
}

export const REMO_KEY = "eyJhbGciOiJIUzI1NiJ9.test-robot.signature";
const CHANNELS = [
  { id: "chan-lobby", name: "lobby", chat: "chat-lobby" },
  { id: "chan-rover", name: "rover", chat: "chat-rover" },
];

export function startRemoTestServer(): RemoTestServer {
  const received: Received[] = [];
  const uploads: Upload[] = [];
  const authed = new Set<ServerWebSocket<unknown>>();
  const sockets = new Set<ServerWebSocket<unknown>>();
  const waiters = new Set<() => void>();
  let pings = 0;
  const server: Server<unknown> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/" && srv.upgrade(req, { data: undefined })) return undefined;
      if (url.pathname === "/api/dev/channels/list/srv-test") return Response.json({ channels: CHANNELS });
      if (url.pathname === "/transmit" && req.method === "POST") {
        const upload = { name: url.searchParams.get("name") ?? "", authorized: req.headers.get("authorization") === `Bearer ${REMO_KEY}`, bytes: 0 };
        uploads.push(upload);
        if (!upload.authorized) return new Response("wrong key", { status: 401 });
        const reader = req.body?.getReader();
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) break;
          upload.bytes += chunk.value.byteLength;
        }
        return new Response("ok");
      }
      return new Response("not found", { status: 404 });
    },
    websocket: {
      open: (ws) => void sockets.add(ws),
      ping: () => {
        pings += 1;
      },
      message(ws, message) {
        const frame = JSON.parse(String(message)) as Received;
        received.push(frame);
        for (const w of [...waiters]) w();
        if (frame.e !== "AUTHENTICATE_ROBOT") return;
        if ((frame.d as { token?: string }).token === REMO_KEY) {
          authed.add(ws);
          ws.send(JSON.stringify({ e: "ROBOT_VALIDATED", d: { id: "rbot-1", host: "srv-test" } }));
        } else {
          ws.send(JSON.stringify({ e: "INVALID_TOKEN", d: "bad token" }));
          ws.close(1008, "invalid token");
        }
      },
      close(ws) {
        sockets.delete(ws);
        authed.delete(ws);
      },
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    uploads,
    pings: () => pings,
    robots: () => authed.size,
    send: (e, d) => {
      for (const ws of authed) ws.send(JSON.stringify({ e, d }));
    },
    dropRobots: () => {
      for (const ws of sockets) ws.close(1011, "restart");
    },
    waitFor: (test, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < received.length; seen++) {
            const r = received[seen]!;
            if (test(r)) {
              waiters.delete(check);
              clearTimeout(timer);
              return resolve(r);
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame within ${timeoutMs} ms (got ${received.map((r) => r.e).join(", ") || "nothing"})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    stop: async () => {
      for (const ws of sockets) ws.terminate?.();
      await server.stop(true);
    },
  };
}
