import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { frameV3PollingInBinary } from "./eio3-binary-polling.ts";
import type { SocketAdapterFactory } from "../cluster/redis.ts";

/** The adapter for the socket.io server: one socket as the platform sees it. */
export interface ClientSocket {
  readonly id: string;
  readonly address: string;
  /** Connected through the extra app-socket listener (old clients' port 8022). */
  readonly viaAppPort: boolean;
  /** A value from the handshake: socket.io 4 `auth` first, then the query string (socket.io 2 has no auth). */
  credential(name: string): string | undefined;
  /** `ack` is the client's acknowledgement callback when it passed one. */
  on(event: string, handler: (data: unknown, ack: ((reply: unknown) => void) | undefined) => void): void;
  onDisconnect(handler: (reason: string) => void): void;
  emit(event: string, data: unknown): void;
  join(room: string): void;
  leave(room: string): void;
  disconnect(): void;
}

export interface SocketServer {
  /** To every socket in the room (with Redis: on every process). */
  emitTo(room: string, event: string, data: unknown): void;
  /** To this process's sockets in the room only (with Redis, nothing is published); how many there are. */
  emitHere(room: string, event: string, data: unknown): number;
  roomSize(room: string): number;
  connections(): number;
  close(): Promise<void>;
}

export interface SocketListener {
  http: HttpServer;
  /** Sockets arriving here are app (video status) sockets. */
  app: boolean;
}

function wrap(socket: Socket, viaAppPort: boolean): ClientSocket {
  const { auth, query, address } = socket.handshake;
  return {
    id: socket.id,
    address,
    viaAppPort,
    credential(name) {
      const value = (auth as Record<string, unknown> | undefined)?.[name] ?? (query as Record<string, unknown>)[name];
      return typeof value === "string" && value !== "" ? value : undefined;
    },
    on(event, handler) {
      socket.on(event, (...args: unknown[]) => {
        const last = args[args.length - 1];
        const ack = typeof last === "function" ? (last as (reply: unknown) => void) : undefined;
        handler(ack && args.length === 1 ? undefined : args[0], ack);
      });
    },
    onDisconnect: (handler) => socket.on("disconnect", (reason) => handler(reason)),
    emit: (event, data) => socket.emit(event, data),
    join: (room) => void socket.join(room),
    leave: (room) => void socket.leave(room),
    disconnect: () => void socket.disconnect(true),
  };
}

/** Where socket.io answers on every port it is attached to (requests and upgrades). */
export const socketIoPath = "/socket.io/";

/**
 * socket.io 4 with `allowEIO3`, so socket.io 2.x robots (the historical clients) and 4.x clients both
 * connect. One server per HTTP listener; rooms are looked up across all of them (and, with the Redis
 * adapter, across every `serve` process).
 */
export function startSocketServer(listeners: SocketListener[], onConnection: (socket: ClientSocket) => void, options: { adapter?: SocketAdapterFactory } = {}): SocketServer {
  const servers = listeners.map(({ http, app }) => {
    const io = new Server(http, {
      path: socketIoPath,
      ...(options.adapter ? { adapter: options.adapter } : {}),
      allowEIO3: true,
      serveClient: false,
      // other upgrade paths (the relay's viewer websockets) are handled by their own listener
      destroyUpgrade: false,
      maxHttpBufferSize: 64 * 1024,
      pingInterval: 10_000,
      pingTimeout: 10_000,
      cors: { origin: true },
    });
    frameV3PollingInBinary(io);
    io.on("connection", (socket) => onConnection(wrap(socket, app)));
    return io;
  });
  /** To this process's sockets in the room, skipping a server with nobody in it (a broadcast costs even when it reaches no one). */
  const emitHere = (room: string, event: string, data: unknown) => {
    let reached = 0;
    for (const io of servers) {
      const ids = io.sockets.adapter.rooms.get(room);
      if (!ids) continue;
      reached += ids.size;
      // a robot's own room holds one or two sockets: emitting to each costs less than a broadcast
      if (ids.size <= 2) for (const id of ids) io.sockets.sockets.get(id)?.emit(event, data);
      else io.local.to(room).emit(event, data);
    }
    return reached;
  };
  return {
    emitTo(room, event, data) {
      // with a shared adapter, one emit reaches every server (this process's other listener included) through Redis
      if (options.adapter) servers[0]?.to(room).emit(event, data);
      else emitHere(room, event, data);
    },
    emitHere,
    roomSize(room) {
      let n = 0;
      for (const io of servers) n += io.sockets.adapter.rooms.get(room)?.size ?? 0;
      return n;
    },
    connections: () => servers.reduce((n, io) => n + io.engine.clientsCount, 0),
    close: () => Promise.all(servers.map((io) => new Promise<void>((resolve) => io.close(() => resolve())))).then(() => undefined),
  };
}
