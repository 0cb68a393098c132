import { Hub } from "../../lib/server/sockets/hub.ts";
import { ownerActions } from "../../lib/server/sockets/owner-actions.ts";
import { attachRobotEvents } from "../../lib/server/sockets/robot-sockets.ts";
import type { ClientSocket, SocketServer } from "../../lib/server/sockets/socket-server.ts";
import { defaultViewerLimits, type ViewerLimits, viewerEvents } from "../../lib/server/sockets/viewer-sockets.ts";
import { quietLog } from "./helpers.ts";

/**
 * In-process stand-ins for the socket.io adapter (lib/server/sockets/socket-server.ts), so property tests can drive
 * the platform's handlers thousands of times a second. Real rooms: `FakeSocketServer` keeps who joined what.
 */
export class FakeSocketServer implements SocketServer {
  readonly rooms = new Map<string, Set<FakeSocket>>();
  emitted = 0;

  emitTo(room: string, event: string, data: unknown): void {
    this.emitHere(room, event, data);
  }
  emitHere(room: string, event: string, data: unknown): number {
    this.emitted += 1;
    const sockets = this.rooms.get(room) ?? new Set();
    for (const socket of sockets) socket.received.push({ event, data });
    return sockets.size;
  }
  roomSize(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }
  connections(): number {
    return new Set([...this.rooms.values()].flatMap((s) => [...s])).size;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

let serial = 0;

export class FakeSocket implements ClientSocket {
  readonly id = `fake-${(serial += 1)}`;
  readonly received: { event: string; data: unknown }[] = [];
  readonly handlers = new Map<string, (data: unknown, ack: ((reply: unknown) => void) | undefined) => void>();
  private readonly disconnects: ((reason: string) => void)[] = [];
  connected = true;

  constructor(
    private readonly server: FakeSocketServer,
    private readonly credentials: Record<string, string> = {},
    readonly address = "127.0.0.1",
    readonly viaAppPort = false,
  ) {}

  credential(name: string): string | undefined {
    return this.credentials[name];
  }
  on(event: string, handler: (data: unknown, ack: ((reply: unknown) => void) | undefined) => void): void {
    this.handlers.set(event, handler);
  }
  onDisconnect(handler: (reason: string) => void): void {
    this.disconnects.push(handler);
  }
  emit(event: string, data: unknown): void {
    this.received.push({ event, data });
  }
  join(room: string): void {
    if (!this.server.rooms.has(room)) this.server.rooms.set(room, new Set());
    this.server.rooms.get(room)?.add(this);
  }
  leave(room: string): void {
    this.server.rooms.get(room)?.delete(this);
  }
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const set of this.server.rooms.values()) set.delete(this);
    for (const handler of this.disconnects) handler("server namespace disconnect");
  }

  /** What a client emitting `event` with `data` would see: the acknowledgement (undefined = none). */
  send(event: string, data: unknown, withAck = true): unknown {
    let answer: unknown;
    this.handlers.get(event)?.(data, withAck ? (reply) => (answer = reply) : undefined);
    return answer;
  }
}

/** The platform's socket handlers (the same ones `serve` registers) on a real store, with fake sockets. */
export async function inProcessPlatform(dataDir: string, limits: Partial<ViewerLimits> = {}) {
  const { openStore } = await import("../../lib/server/store/store.ts");
  const store = openStore(dataDir);
  const all = { ...defaultViewerLimits, ...limits };
  const hub = new Hub({ store, log: quietLog(), events: { perSecond: all.eventsPerSecond, burst: all.eventBurst } });
  const io = new FakeSocketServer();
  hub.attach(io);
  hub.use((socket) => attachRobotEvents(socket, hub));
  hub.use(viewerEvents(hub, all));
  hub.use(ownerActions(hub));
  return {
    hub,
    io,
    store,
    /** A socket that has just connected (handlers attached through the guard). */
    connect(credentials: Record<string, string> = {}, address = "127.0.0.1"): FakeSocket {
      const socket = new FakeSocket(io, credentials, address);
      hub.onConnection(socket);
      return socket;
    },
    close() {
      hub.close();
      store.close();
    },
  };
}
