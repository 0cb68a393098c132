/// <reference path="./socket-io-legacy.d.ts" />
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Server } from "socket.io";
import legacyServer from "socket.io-legacy";

/**
 * A LetsRobot-style platform for robot tests: the HTTP lookups plus one socket.io server (4.x with allowEIO3,
 * or a real 2.x server) on 127.0.0.1 that plays the control, chat and app servers. It records what the robot
 * says, acks identify events, and can be stopped and restarted on the same port.
 */
export interface RobotServer {
  url: string;
  port: number;
  version: 2 | 4;
  /** Lookups answer with this host:port for the sockets (point it at a fault proxy). */
  socketPort: number;
  received: { event: string; data: unknown; role: string; key?: string }[];
  identified(event: "robot_id" | "identify_robot_id"): number;
  waitFor(test: (r: RobotServer["received"][number]) => boolean, timeoutMs?: number, from?: number): Promise<void>;
  /** Emit to every connected robot socket of a role (control = sockets that sent robot_id). */
  send(role: "control" | "chat" | "app", event: string, data: unknown): number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

interface AnySocket {
  emit(event: string, ...args: unknown[]): void;
  on(event: string, handler: (...args: any[]) => void): void;
}

export async function startRobotServer(options: { version: 2 | 4; owner?: string; moderators?: string[]; port?: number }): Promise<RobotServer> {
  let http: HttpServer | undefined;
  let closeIo: (() => void) | undefined;
  const sockets = new Map<AnySocket, string>();
  const received: RobotServer["received"] = [];
  const waiters = new Set<() => void>();
  let port = options.port ?? 0;

  const lookups = (path: string, socketPort: number): unknown => {
    const host = "127.0.0.1";
    if (path.startsWith("/get_control_host_port/") || path.startsWith("/get_chat_host_port/")) return { host, port: socketPort };
    if (path.startsWith("/get_websocket_relay_host/")) return { host };
    if (path.startsWith("/get_video_port/")) return { mpeg_stream_port: 1 };
    if (path.startsWith("/get_audio_port/")) return { audio_stream_port: 1 };
    if (path.startsWith("/get_robot_owner/")) return { owner: options.owner ?? "alice" };
    if (path.startsWith("/api/v1/robots/")) return { xres: 640, yres: 480, mic_enabled: true };
    if (path.startsWith("/api/v1/accounts/")) return { moderators: options.moderators ?? ["bob"] };
    return undefined;
  };

  const attach = (socket: AnySocket, query: Record<string, unknown>) => {
    const key = typeof query.robot_key === "string" ? query.robot_key : undefined;
    const role = typeof query.role === "string" ? query.role : "any";
    const record = (event: string) => (data: unknown, ack?: (reply: unknown) => void) => {
      if (event === "robot_id") sockets.set(socket, "control");
      else if (event === "identify_robot_id") sockets.set(socket, role);
      received.push({ event, data, role: sockets.get(socket) ?? role, key });
      if (typeof ack === "function") ack({ ok: true });
      for (const w of [...waiters]) w();
    };
    for (const event of ["robot_id", "identify_robot_id", "send_video_status", "charge_state"]) socket.on(event, record(event));
    socket.on("disconnect", () => sockets.delete(socket));
  };

  const server: RobotServer = {
    url: "",
    port: 0,
    version: options.version,
    socketPort: 0,
    received,
    identified: (event) => received.filter((r) => r.event === event).length,
    waitFor: (test, timeoutMs = 5000, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!received.slice(from).some(test)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`server did not receive the expected event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    send: (role, event, data) => {
      let n = 0;
      for (const [socket, r] of sockets) {
        if (r === role || (r === "any" && role !== "control")) {
          socket.emit(event, data);
          n += 1;
        }
      }
      return n;
    },
    async start() {
      http = createServer((req, res) => {
        const body = lookups(req.url ?? "/", server.socketPort || server.port);
        res.writeHead(body ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(body ?? { error: "not found" }));
      });
      if (options.version === 4) {
        const io = new Server(http, { allowEIO3: true });
        io.on("connection", (socket) => attach(socket as unknown as AnySocket, { ...socket.handshake.query, ...socket.handshake.auth }));
        closeIo = () => io.close();
      } else {
        const io = legacyServer(http, { serveClient: false, wsEngine: join(import.meta.dir, "legacy-ws-engine.ts") });
        io.on("connection", (socket) => attach(socket, socket.handshake.query));
        closeIo = () => io.close();
      }
      await new Promise<void>((resolve) => http!.listen(port, "127.0.0.1", resolve));
      port = (http.address() as AddressInfo).port;
      server.port = port;
      server.url = `http://127.0.0.1:${port}`;
    },
    async stop() {
      const h = http;
      http = undefined;
      sockets.clear();
      closeIo?.();
      if (!h) return;
      h.closeAllConnections();
      await new Promise<void>((resolve) => h.close(() => resolve()));
    },
  };
  await server.start();
  return server;
}
