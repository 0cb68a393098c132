/**
 * The sockets part (lib/server/sockets/): everything said over socket.io. It owns the socket.io server and
 * its old-client framing (socket-server.ts, eio3-binary-polling.ts), the hub of rooms and who may speak
 * in them (this file; rooms.ts names the rooms), each robot's live state and its `robot_state` broadcasts
 * (robot-state.ts), the events robots send (robot-sockets.ts), the events viewers and owners send
 * (viewer-sockets.ts, viewer-messages.ts, viewer-clicks.ts, owner-actions.ts), guest sessions and who a
 * viewer is (guests.ts, viewer-session.ts) and the chat log (chat-log.ts). Per-user rate limits are
 * lib/rate-limit.ts. Every handler runs behind the guard (lib/server/guard.ts).
 */
import type { Logger } from "../../log.ts";
import { ChatLog } from "./chat-log.ts";
import { guardSocket } from "../guard.ts";
import { createGuestBook, type GuestBook } from "./guests.ts";
import type { RateLimit } from "../../rate-limit.ts";
import type { RobotRecord } from "../store/robot-record.ts";
import type { ClientSocket, SocketServer } from "./socket-server.ts";
import type { Store } from "../store/store.ts";
import type { Ack } from "./viewer-messages.ts";
import { type RobotLive, type RobotState, RobotStates } from "./robot-state.ts";
import { RobotRooms, reachesAny, roomKind, roomOf } from "./rooms.ts";

/**
 * The other `serve` processes sharing this one's Redis (lib/server/cluster/cluster.ts); absent for a single process.
 * Emits already cross processes through the socket.io adapter: this covers what the hub itself counts.
 */
export interface HubPeers {
  /** Sockets in `room` on the other processes. */
  roomSize(room: string): number;
  /** What the robot reported to the other processes. */
  reports(robotId: string): Pick<RobotLive, "videoStatus" | "charge">[];
  /** This process's sockets or reports for the robot changed. */
  changed(robotId: string): void;
  /** Exclusive control of the robot changed here. */
  exclusive(robotId: string, exclusive: RobotLive["exclusive"]): void;
  /** Send a room's event to each other process that counts sockets in the room, once each. */
  deliver(room: string, event: string, data: unknown): void;
}

export interface HubDeps {
  store: Store;
  log: Logger;
  now?: () => number;
  /** A chat log shared with the other processes (default: this process's own). */
  chat?: ChatLog;
  peers?: HubPeers;
  /** Every socket's budget of inbound events, whatever the event (default 30 per second, burst 60). */
  events?: { perSecond: number; burst: number };
  /** Shortest gap between two `robot_state` broadcasts of one robot (default 200 ms: at most 5 per second). */
  stateIntervalMs?: number;
}

export class Hub {
  readonly chat: ChatLog;
  readonly guests: GuestBook = createGuestBook();
  readonly now: () => number;
  private readonly robots: RobotStates;
  private io?: SocketServer;
  private readonly handlers: ((socket: ClientSocket) => void)[] = [];
  private readonly events: RateLimit;
  private readonly rooms = new RobotRooms();

  constructor(readonly deps: HubDeps) {
    this.now = deps.now ?? Date.now;
    this.chat = deps.chat ?? new ChatLog();
    this.events = { burst: deps.events?.burst ?? 60, perSecond: deps.events?.perSecond ?? 30 };
    this.robots = new RobotStates({
      roomSize: (room) => this.roomSize(room),
      reports: (robotId) => deps.peers?.reports(robotId) ?? [],
      broadcast: (robotId, state) => this.emit(roomOf("viewers", robotId), "robot_state", state),
      intervalMs: deps.stateIntervalMs ?? 200,
    });
  }

  get store(): Store {
    return this.deps.store;
  }

  get log(): Logger {
    return this.deps.log;
  }

  attach(io: SocketServer): void {
    this.io = io;
  }

  /** Register per-socket event handlers (robot side, viewer side). */
  use(handler: (socket: ClientSocket) => void): void {
    this.handlers.push(handler);
  }

  /** A new socket: every handler sees it through the guard (lib/server/guard.ts). */
  onConnection(socket: ClientSocket): void {
    const guarded = guardSocket(socket, { log: this.log, events: this.events });
    for (const handler of this.handlers) handler(guarded);
  }

  emit(room: string, event: string, data: unknown): void {
    const robotId = reachesAny(room);
    if (robotId !== undefined) this.dropImpostors(robotId);
    this.emitTo(room, event, data);
    if (robotId !== undefined) this.emitTo(roomOf("any", robotId), event, data);
  }

  /**
   * A command (or click) for a robot's control sockets (its `control:` room and its `any:` sockets), as
   * `emit` sends it; false when no socket on any process got it. The per-command path: each room is looked
   * up once (emitting here counts who got it), peers are asked only for their counts, and no room name is
   * built or read back.
   */
  toControl(robotId: string, event: string, data: unknown): boolean {
    const { control, any } = this.rooms.of(robotId);
    this.dropImpostors(robotId);
    return this.sendCounted(control, event, data) + this.sendCounted(any, event, data) > 0;
  }

  /** A command room's event to this process's sockets in it and to each other process that counts some; how many sockets that is. */
  private sendCounted(room: string, event: string, data: unknown): number {
    const here = this.io?.emitHere(room, event, data) ?? 0;
    const peers = this.deps.peers;
    const there = peers?.roomSize(room) ?? 0;
    if (there > 0) peers?.deliver(room, event, data);
    return here + there;
  }

  /**
   * A robot's command rooms (`control:`, `any:`) reach another process only when it counts sockets in them
   * (those counts already decide whether the robot is online), and then straight to that process, once:
   * a robot and its viewers on one process cost Redis nothing. Other rooms always cross through the
   * socket.io adapter: a viewer that joined elsewhere a moment ago still gets chat and state.
   */
  private emitTo(room: string, event: string, data: unknown): void {
    const peers = this.deps.peers;
    const kind = peers && roomKind(room);
    if (peers && kind !== "control" && kind !== "any") return this.io?.emitTo(room, event, data);
    this.sendCounted(room, event, data);
  }

  /** An event another process delivered for this process's sockets in a robot's command room. */
  delivered(room: string, event: string, data: unknown): void {
    const robotId = reachesAny(room);
    if (robotId !== undefined) this.dropImpostors(robotId);
    this.io?.emitHere(room, event, data);
  }

  /** Sockets (on every process) that get a robot's events of one kind: its own room plus the robot's `any:` sockets. */
  receivers(kind: "control" | "chat" | "app", robotId: string): number {
    const rooms = this.rooms.of(robotId);
    return this.roomSize(rooms[kind]) + this.roomSize(rooms.any);
  }

  /**
   * Before anything reaches a robot's rooms: when the robot requires its key (turned on by its owner, or by
   * `serve robot set` in another process), sockets that identified without it are disconnected.
   */
  private dropImpostors(id: string): void {
    const live = this.robots.peek(id);
    if (!live?.keyless.size || !this.store.robot(id)?.requireKey) return;
    const sockets = [...live.keyless.values()];
    live.keyless.clear();
    for (const socket of sockets) {
      this.log.warn(`robot ${id} now requires its key: disconnecting a socket from ${socket.address} that identified without it`);
      socket.emit("error_event", { event: "robot_id", error: "key_required", message: "this robot now requires its robot key (auth.robot_key or query robot_key)" });
      socket.disconnect();
    }
  }

  /** Sockets in the room on every process. */
  roomSize(room: string): number {
    return this.localRoomSize(room) + (this.deps.peers?.roomSize(room) ?? 0);
  }

  /** Sockets in the room on this process. */
  localRoomSize(room: string): number {
    return this.io?.roomSize(room) ?? 0;
  }

  connections(): number {
    return this.io?.connections() ?? 0;
  }

  liveOf(robotId: string): RobotLive {
    return this.robots.of(robotId);
  }

  state(robotId: string): RobotState {
    return this.robots.state(robotId);
  }

  /** Something the robot's watchers see changed: tell the peers, and the pages (coalesced, lib/server/sockets/robot-state.ts). */
  publishState(robotId: string): void {
    // peers keep their own (per-tick) coalescing: their counts decide whether commands reach a robot
    this.deps.peers?.changed(robotId);
    this.robots.publish(robotId);
  }

  /** Stop pending broadcasts (the platform is closing). */
  close(): void {
    this.robots.close();
  }

  setExclusive(robot: RobotRecord, user: string | null): void {
    const live = this.liveOf(robot.id);
    const previous = live.exclusive?.user;
    const holder = user ? this.guests.holder(user) : undefined;
    live.exclusive = user ? { user, since: this.now(), ...(holder ? { session: holder.id } : {}) } : undefined;
    this.deps.peers?.exclusive(robot.id, live.exclusive);
    const event = { status: user ? "start" : "end", robot_id: robot.id, user: user ?? previous ?? null };
    this.emit(roomOf("app", robot.id), "exclusive_control", event);
    this.emit(roomOf("viewers", robot.id), "exclusive_control", event);
    this.publishState(robot.id);
  }

  settingsChanged(robot: RobotRecord): void {
    const event = { robot_id: robot.id };
    this.emit(roomOf("app", robot.id), "robot_settings_changed", event);
    this.emit(roomOf("viewers", robot.id), "robot_settings_changed", event);
  }
}

/** Call the client's ack callback when it gave one; otherwise report refusals as an `error_event`. */
export function reply(socket: ClientSocket, event: string, ack: ((reply: unknown) => void) | undefined, answer: Ack): void {
  if (ack) ack(answer);
  else if (!answer.ok) socket.emit("error_event", { event, error: answer.error, message: answer.message });
}
