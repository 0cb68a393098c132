import type { ClientSocket } from "./socket-server.ts";
import { roomOf } from "./rooms.ts";

/** What this process knows of one robot beyond its rooms: its reports, its keyless sockets, who drives it. */
export interface RobotLive {
  /** Sockets that identified without presenting the robot key (dropped once the robot requires its key). */
  keyless: Map<string, ClientSocket>;
  lastSeen?: number;
  videoStatus?: { send_video_process_exists: boolean; ffmpeg_process_exists: boolean; at: number };
  charge?: { charging: boolean; at: number };
  ip?: string;
  /** `session`: the guest session bound to the name (lib/server/sockets/guests.ts); absent until one drives. */
  exclusive?: { user: string; since: number; session?: string };
}

/** The `robot_state` event, and each robot's entry of the status endpoint. */
export interface RobotState {
  robot_id: string;
  online: boolean;
  sockets: { control: number; chat: number; app: number };
  viewers: number;
  exclusive: string | null;
  video_status: RobotLive["videoStatus"] | null;
  charge_state: RobotLive["charge"] | null;
}

export interface RobotStatesDeps {
  /** Sockets in the room on every process. */
  roomSize(room: string): number;
  /** What the robot reported to the other processes (none for a single process). */
  reports(robotId: string): Pick<RobotLive, "videoStatus" | "charge">[];
  /** Send the state to the pages watching the robot. */
  broadcast(robotId: string, state: RobotState): void;
  /** Shortest gap between two broadcasts of one robot. */
  intervalMs: number;
}

/** One robot's coalesced `robot_state` broadcasts: the first goes out at once, later ones at most once a window. */
interface StateBroadcast {
  timer: ReturnType<typeof setTimeout>;
  dirty: boolean;
}

/** Every robot's live state on this process, and the coalesced `robot_state` broadcasts that show it. */
export class RobotStates {
  private readonly live = new Map<string, RobotLive>();
  private readonly broadcasts = new Map<string, StateBroadcast>();

  constructor(private readonly deps: RobotStatesDeps) {}

  /** The robot's live state, created empty on first use. */
  of(robotId: string): RobotLive {
    let live = this.live.get(robotId);
    if (!live) this.live.set(robotId, (live = { keyless: new Map() }));
    return live;
  }

  /** The robot's live state when this process has any. */
  peek(robotId: string): RobotLive | undefined {
    return this.live.get(robotId);
  }

  state(robotId: string): RobotState {
    const live = this.of(robotId);
    const { roomSize, reports } = this.deps;
    // a socket that did not say what it is counts as chat until it reports video or charge status (then app)
    const sockets = { control: roomSize(roomOf("control", robotId)), chat: roomSize(roomOf("chat", robotId)) + roomSize(roomOf("any", robotId)), app: roomSize(roomOf("app", robotId)) };
    const peers = reports(robotId);
    return {
      robot_id: robotId,
      online: sockets.control + sockets.chat + sockets.app > 0,
      sockets,
      viewers: roomSize(roomOf("viewers", robotId)),
      exclusive: live.exclusive?.user ?? null,
      video_status: freshest([live.videoStatus, ...peers.map((r) => r.videoStatus)]),
      charge_state: freshest([live.charge, ...peers.map((r) => r.charge)]),
    };
  }

  /**
   * Tell the pages watching a robot that something they show changed. Coalesced per robot: however many
   * sockets join, leave or report, each robot's state goes out at most once per `intervalMs`, and the last
   * change is always sent.
   */
  publish(robotId: string): void {
    const pending = this.broadcasts.get(robotId);
    if (pending) {
      pending.dirty = true;
      return;
    }
    this.broadcast(robotId);
  }

  private broadcast(robotId: string): void {
    this.deps.broadcast(robotId, this.state(robotId));
    const window: StateBroadcast = {
      dirty: false,
      timer: setTimeout(() => {
        this.broadcasts.delete(robotId);
        if (window.dirty) this.broadcast(robotId);
      }, this.deps.intervalMs),
    };
    window.timer.unref?.();
    this.broadcasts.set(robotId, window);
  }

  /** Stop pending broadcasts (the platform is closing). */
  close(): void {
    for (const window of this.broadcasts.values()) clearTimeout(window.timer);
    this.broadcasts.clear();
  }
}

/** The most recent of several timestamped reports (null when there is none). */
function freshest<T extends { at: number }>(reports: (T | undefined)[]): T | null {
  let best: T | null = null;
  for (const r of reports) if (r && (!best || r.at > best.at)) best = r;
  return best;
}
