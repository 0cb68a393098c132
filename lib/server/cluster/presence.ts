import type { Hub } from "../sockets/hub.ts";
import type { RobotLive } from "../sockets/robot-state.ts";
import { type RoomKind, roomKind, roomKinds, roomOf, roomRobot } from "../sockets/rooms.ts";

/**
 * Presence: what the other `serve` processes count. Each process publishes its own robots' socket counts
 * and reports (video status, charge) on every change and every heartbeat; a process silent for three
 * heartbeats is forgotten, and one that shuts down says goodbye, so a killed process's viewers and robots
 * stop counting within seconds.
 */
export interface NodeRobot {
  control: number;
  chat: number;
  app: number;
  /** Sockets that identified without saying what they are (they get control, chat and app events). */
  any?: number;
  viewers: number;
  videoStatus?: RobotLive["videoStatus"];
  charge?: RobotLive["charge"];
}

/** What this process publishes: each robot with sockets or reports here. */
export function snapshotOf(hub: Hub): Record<string, NodeRobot> {
  const robots: Record<string, NodeRobot> = {};
  for (const robot of hub.store.robots()) {
    const counts = Object.fromEntries(roomKinds.map((kind) => [kind, hub.localRoomSize(roomOf(kind, robot.id))])) as Record<RoomKind, number>;
    const live = hub.liveOf(robot.id);
    if (counts.control + counts.chat + counts.app + counts.any + counts.viewers === 0 && !live.videoStatus && !live.charge) continue;
    robots[robot.id] = { ...counts, videoStatus: live.videoStatus, charge: live.charge };
  }
  return robots;
}

/** The other processes heard from, by member id, with what each last published. */
export class Presence {
  private readonly peers = new Map<string, { robots: Record<string, NodeRobot>; heard: number }>();

  constructor(private readonly now: () => number) {}

  has(member: string): boolean {
    return this.peers.has(member);
  }

  heard(member: string, robots: Record<string, NodeRobot>): void {
    this.peers.set(member, { robots, heard: this.now() });
  }

  /** Forget a member; the robots it counted (their watchers see new counts). */
  forget(member: string): string[] {
    const peer = this.peers.get(member);
    this.peers.delete(member);
    return peer ? Object.keys(peer.robots) : [];
  }

  /** The members not heard from since `limit`. */
  silentSince(limit: number): string[] {
    return [...this.peers].filter(([, peer]) => peer.heard < limit).map(([member]) => member);
  }

  /** Sockets in `room` on the other processes. */
  roomSize(room: string): number {
    // asked per command on a cluster: counts without building the list `counting` returns
    const kind = roomKind(room);
    if (!kind) return 0;
    const robotId = roomRobot(room);
    let n = 0;
    for (const peer of this.peers.values()) n += peer.robots[robotId]?.[kind] ?? 0;
    return n;
  }

  /** The members with sockets in `room`, and how many. */
  counting(room: string): [string, number][] {
    const kind = roomKind(room);
    if (!kind) return [];
    const robotId = roomRobot(room);
    const found: [string, number][] = [];
    for (const [member, peer] of this.peers) {
      const n = peer.robots[robotId]?.[kind] ?? 0;
      if (n > 0) found.push([member, n]);
    }
    return found;
  }

  /** What the robot reported to the other processes. */
  reports(robotId: string): NodeRobot[] {
    return [...this.peers.values()].flatMap((peer) => (peer.robots[robotId] ? [peer.robots[robotId]] : []));
  }

  seen(): { member: string; ageMs: number }[] {
    return [...this.peers].map(([member, peer]) => ({ member, ageMs: this.now() - peer.heard }));
  }
}
