/**
 * The cluster part (lib/server/cluster/): several `serve` processes on one Redis. It owns the Redis link and
 * the socket.io adapter (redis.ts), what processes tell each other about robots, control and chat (this
 * file), and video streams shared with viewers on other processes (relay-cluster.ts). A single process
 * never loads Redis.
 */
import type { Logger } from "../../log.ts";
import { type ChatMessage, ChatLog } from "../sockets/chat-log.ts";
import { newShortId } from "../store/credentials.ts";
import type { Hub, HubPeers } from "../sockets/hub.ts";
import type { RobotLive } from "../sockets/robot-state.ts";
import type { RedisLink } from "./redis.ts";

/**
 * Several `serve` processes behind one address, sharing one Redis. Chat and state events cross processes
 * through the socket.io Redis adapter (lib/server/cluster/redis.ts); a command goes only to the processes that
 * count sockets in the robot's command room, on each one's own channel (`deliver`). This file shares what
 * the hub itself counts and remembers, over one pub/sub channel:
 * - presence: each process publishes its own robots' socket counts and reports (video status, charge) on
 *   every change and every heartbeat; a process silent for `3 × heartbeatMs` is forgotten, and one that
 *   shuts down says goodbye, so a killed process's viewers and robots stop counting within seconds;
 * - exclusive control: last writer wins, by time, carried in every heartbeat so late joiners learn it;
 * - the chat log (recent messages, moderator removals) from the moment a process joins.
 * Robots, keys and settings are not here: every process opens the same SQLite file (single host).
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

type Exclusive = { user: string | null; since: number; at: number };

export type ClusterMessage =
  | { t: "hello"; from: string }
  | { t: "state"; from: string; robots: Record<string, NodeRobot>; exclusive: Record<string, Exclusive> }
  | { t: "bye"; from: string }
  | { t: "chat"; from: string; message: ChatMessage }
  | { t: "unchat"; from: string; robot_id: string; message_id: string }
  | { t: "exclusive"; from: string; robot_id: string; exclusive: Exclusive };

export interface ClusterOptions {
  link: RedisLink;
  nodeId: string;
  log: Logger;
  /** How often each process publishes its presence (default 2000 ms). */
  heartbeatMs?: number;
  now?: () => number;
}

export interface Cluster extends HubPeers {
  /** The configured name (server.node_id), shown in logs. */
  readonly nodeId: string;
  /** The name plus a random suffix: unique even when two processes were given the same name. */
  readonly memberId: string;
  /** The chat log to give the hub: additions and removals reach every process. */
  readonly chat: ChatLog;
  /** Start sharing this hub's state (after the socket server is attached). */
  bind(hub: Hub): Promise<void>;
  /** The other processes heard from (name and member id), with the age of their last word. */
  peersSeen(): { node: string; member: string; ageMs: number }[];
  /** Say goodbye and stop publishing (before the sockets close). */
  leave(): Promise<void>;
}

export const clusterChannel = "letsrobot:cluster:v1";
const roomKinds = ["control", "chat", "app", "any", "viewers"] as const;

/** Chat log whose additions and removals are told to the other processes. */
class SharedChatLog extends ChatLog {
  constructor(private readonly tell: (message: ClusterMessage) => void) {
    super();
  }
  override add(message: ChatMessage): void {
    super.add(message);
    this.tell({ t: "chat", from: "", message });
  }
  override remove(robotId: string, messageId: string): boolean {
    const removed = super.remove(robotId, messageId);
    if (removed) this.tell({ t: "unchat", from: "", robot_id: robotId, message_id: messageId });
    return removed;
  }
  addFromPeer(message: ChatMessage): void {
    super.add(message);
  }
  removeFromPeer(robotId: string, messageId: string): void {
    super.remove(robotId, messageId);
  }
}

export function createCluster(options: ClusterOptions): Cluster {
  const { link, nodeId } = options;
  const self = `${nodeId}~${newShortId().slice(0, 6)}`;
  const nameOf = (member: string) => member.replace(/~[0-9a-f]+$/, "");
  let twinWarned = false;
  const log = options.log.withTag("cluster");
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const peers = new Map<string, { robots: Record<string, NodeRobot>; heard: number }>();
  const exclusives = new Map<string, Exclusive>();
  let hub: Hub | undefined;
  let leaving = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let scheduled = false;

  const tell = (message: ClusterMessage) => {
    if (leaving) return;
    void link.publish(clusterChannel, JSON.stringify({ ...message, from: self }));
  };
  const chat = new SharedChatLog(tell);

  const snapshot = (): Record<string, NodeRobot> => {
    const robots: Record<string, NodeRobot> = {};
    if (!hub) return robots;
    for (const robot of hub.store.robots()) {
      const counts = Object.fromEntries(roomKinds.map((kind) => [kind, hub?.localRoomSize(`${kind}:${robot.id}`) ?? 0])) as Record<(typeof roomKinds)[number], number>;
      const live = hub.liveOf(robot.id);
      if (counts.control + counts.chat + counts.app + counts.any + counts.viewers === 0 && !live.videoStatus && !live.charge) continue;
      robots[robot.id] = { ...counts, videoStatus: live.videoStatus, charge: live.charge };
    }
    return robots;
  };
  const publishState = () => tell({ t: "state", from: self, robots: snapshot(), exclusive: Object.fromEntries(exclusives) });

  /** Apply an exclusive-control change if it is newer than what we know. */
  const adoptExclusive = (robotId: string, value: Exclusive) => {
    const known = exclusives.get(robotId);
    if (known && known.at >= value.at) return;
    exclusives.set(robotId, value);
    if (hub) hub.liveOf(robotId).exclusive = value.user ? { user: value.user, since: value.since } : undefined;
  };

  /** Forget peers not heard from in three heartbeats; their viewers and robots stop counting. */
  const expire = () => {
    const limit = now() - 3 * heartbeatMs;
    for (const [node, peer] of peers) {
      if (peer.heard >= limit) continue;
      peers.delete(node);
      log.warn(`serve process ${nameOf(node)} went silent; its sockets no longer count`);
      refresh(Object.keys(peer.robots));
    }
  };
  /** Tell this process's watchers that counts changed (without re-publishing: peers did not change here). */
  const refresh = (robotIds: string[]) => {
    for (const id of robotIds) hub?.emit(`viewers:${id}`, "robot_state", hub.state(id));
  };

  const onMessage = (raw: Buffer) => {
    let message: ClusterMessage;
    try {
      message = JSON.parse(raw.toString("utf8")) as ClusterMessage;
    } catch {
      return;
    }
    if (message.from === self || leaving) return;
    if (!twinWarned && nameOf(message.from) === nodeId) {
      twinWarned = true;
      log.warn(`another serve process is also called ${nodeId}: give each its own server.node_id (both still work; the logs cannot tell them apart)`);
    }
    switch (message.t) {
      case "hello":
        if (!peers.has(message.from)) log.info(`serve process ${nameOf(message.from)} joined`);
        publishState();
        return;
      case "state":
        if (!peers.has(message.from)) log.info(`serve process ${nameOf(message.from)} is up`);
        peers.set(message.from, { robots: message.robots, heard: now() });
        for (const [id, value] of Object.entries(message.exclusive)) adoptExclusive(id, value);
        return;
      case "bye": {
        const peer = peers.get(message.from);
        peers.delete(message.from);
        log.info(`serve process ${nameOf(message.from)} left`);
        if (peer) refresh(Object.keys(peer.robots));
        return;
      }
      case "chat":
        chat.addFromPeer(message.message);
        return;
      case "unchat":
        chat.removeFromPeer(message.robot_id, message.message_id);
        return;
      case "exclusive":
        adoptExclusive(message.robot_id, message.exclusive);
        return;
    }
  };

  /** Commands for this process's robot sockets, sent by the process their viewer is on. */
  const inbox = (member: string) => `letsrobot:node:${member}`;
  type Delivery = { room?: unknown; event?: unknown; data?: unknown };
  const onDelivery = (raw: Buffer) => {
    let batch: Delivery[];
    try {
      batch = JSON.parse(raw.toString("utf8"));
    } catch {
      return;
    }
    if (!Array.isArray(batch)) return;
    for (const d of batch) if (typeof d?.room === "string" && typeof d.event === "string") hub?.delivered(d.room, d.event, d.data);
  };
  /** Deliveries of this turn of the event loop, per member: one publish each, however many commands. */
  const outbox = new Map<string, Delivery[]>();
  const flush = () => {
    for (const [member, batch] of outbox) void link.publish(inbox(member), JSON.stringify(batch));
    outbox.clear();
  };
  /** `kind:id` → the room's kind when it is one the peers count, and the robot id. */
  const counted = (room: string): [(typeof roomKinds)[number], string] | undefined => {
    const colon = room.indexOf(":");
    const kind = room.slice(0, colon) as (typeof roomKinds)[number];
    return colon > 0 && roomKinds.includes(kind) ? [kind, room.slice(colon + 1)] : undefined;
  };

  const live = () => [...peers.values()];
  return {
    nodeId,
    memberId: self,
    chat,
    roomSize(room) {
      const key = counted(room);
      if (!key) return 0;
      let n = 0;
      for (const peer of peers.values()) n += peer.robots[key[1]]?.[key[0]] ?? 0;
      return n;
    },
    deliver(room, event, data) {
      const key = counted(room);
      if (!key || leaving) return;
      for (const [member, peer] of peers) {
        if ((peer.robots[key[1]]?.[key[0]] ?? 0) === 0) continue;
        if (outbox.size === 0) setImmediate(flush);
        const batch = outbox.get(member);
        if (batch) batch.push({ room, event, data });
        else outbox.set(member, [{ room, event, data }]);
      }
    },
    reports: (robotId) => live().flatMap((peer) => (peer.robots[robotId] ? [peer.robots[robotId]] : [])),
    changed() {
      if (scheduled || leaving) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        publishState();
      });
    },
    exclusive(robotId, value) {
      const entry: Exclusive = { user: value?.user ?? null, since: value?.since ?? now(), at: now() };
      exclusives.set(robotId, entry);
      tell({ t: "exclusive", from: self, robot_id: robotId, exclusive: entry });
    },
    async bind(target) {
      hub = target;
      await link.subscribe(inbox(self), onDelivery);
      await link.subscribe(clusterChannel, onMessage);
      timer = setInterval(() => {
        expire();
        publishState();
      }, heartbeatMs);
      tell({ t: "hello", from: self });
      publishState();
      log.info(`serve process ${nodeId} shares state through Redis at ${link.where}`);
    },
    peersSeen: () => [...peers].map(([member, peer]) => ({ node: nameOf(member), member, ageMs: now() - peer.heard })),
    async leave() {
      clearInterval(timer);
      if (leaving || !hub) return;
      leaving = true;
      await link.publish(clusterChannel, JSON.stringify({ t: "bye", from: self }));
    },
  };
}

/** Held for `leaseTtlMs` and renewed every third of it: a killed holder is replaced within about 6 s. */
const leaseTtlMs = 6000;

export interface Lease {
  renewMs: number;
  /** Take or renew; false while another process holds it. */
  take(): Promise<boolean>;
  release(): Promise<void>;
}

export interface ClusterHandle extends Cluster {
  readonly socketAdapter: RedisLink["socketAdapter"];
  /** The Redis link, for the relay's fan-out (lib/server/cluster/relay-cluster.ts). */
  readonly link: RedisLink;
  /** A job only one process may run at a time (e.g. reading Twitch chat), held while this process renews it. */
  lease(job: string): Lease;
  /** Leave (when not done yet) and close the Redis connections. */
  close(): Promise<void>;
}

/** Connect to Redis and prepare this process's membership; throws NetworkError when Redis is unreachable. */
export async function openCluster(options: { redisUrl: string; nodeId: string; log: Logger; heartbeatMs?: number }): Promise<ClusterHandle> {
  const { connectRedis } = await import("./redis.ts");
  const link = await connectRedis(options.redisUrl, options.log.withTag("redis"));
  const cluster = createCluster({ link, nodeId: options.nodeId, log: options.log, heartbeatMs: options.heartbeatMs });
  return Object.assign(cluster, {
    socketAdapter: link.socketAdapter,
    link,
    lease: (job: string): Lease => ({
      renewMs: leaseTtlMs / 3,
      take: () => link.lease(`letsrobot:lease:${job}`, cluster.memberId, leaseTtlMs),
      release: () => link.release(`letsrobot:lease:${job}`, cluster.memberId),
    }),
    async close() {
      await cluster.leave();
      await link.close();
    },
  });
}
