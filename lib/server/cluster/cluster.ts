/**
 * The cluster part (lib/server/cluster/): several `serve` processes on one Redis. It owns the Redis link and
 * the socket.io adapter (redis.ts), membership and what processes tell each other about control (this
 * file), each process's socket counts and reports (presence.ts), commands sent to the process a robot is
 * on (deliveries.ts), the shared chat log (shared-chat.ts), and video streams shared with viewers on other
 * processes (relay-cluster.ts). A single process never loads Redis.
 */
import type { Logger } from "../../log.ts";
import type { ChatLog } from "../sockets/chat-log.ts";
import { newShortId } from "../store/credentials.ts";
import type { Hub, HubPeers } from "../sockets/hub.ts";
import { roomOf } from "../sockets/rooms.ts";
import { createDeliveries } from "./deliveries.ts";
import { type NodeRobot, Presence, snapshotOf } from "./presence.ts";
import type { RedisLink } from "./redis.ts";
import { type ChatShare, SharedChatLog } from "./shared-chat.ts";

/**
 * Several `serve` processes behind one address, sharing one Redis. Chat and state events cross processes
 * through the socket.io Redis adapter (lib/server/cluster/redis.ts); a command goes only to the processes that
 * count sockets in the robot's command room, on each one's own channel (deliveries.ts). The rest of what the
 * hub itself counts and remembers is shared over one pub/sub channel:
 * - presence: each process's socket counts and reports, heartbeats, hello and goodbye (presence.ts);
 * - exclusive control: last writer wins, by time, carried in every heartbeat so late joiners learn it;
 * - the chat log (recent messages, moderator removals) from the moment a process joins (shared-chat.ts).
 * Robots, keys and settings are not here: every process opens the same SQLite file (single host).
 */
type Exclusive = { user: string | null; since: number; at: number };

type ClusterMessage =
  | { t: "hello"; from: string }
  | { t: "state"; from: string; robots: Record<string, NodeRobot>; exclusive: Record<string, Exclusive> }
  | { t: "bye"; from: string }
  | ChatShare
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

const clusterChannel = "letsrobot:cluster:v1";

export function createCluster(options: ClusterOptions): Cluster {
  const { link, nodeId } = options;
  const self = `${nodeId}~${newShortId().slice(0, 6)}`;
  const nameOf = (member: string) => member.replace(/~[0-9a-f]+$/, "");
  let twinWarned = false;
  const log = options.log.withTag("cluster");
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const presence = new Presence(now);
  const deliveries = createDeliveries(link, self);
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
  const publishState = () => tell({ t: "state", from: self, robots: hub ? snapshotOf(hub) : {}, exclusive: Object.fromEntries(exclusives) });

  /** Apply an exclusive-control change if it is newer than what we know. */
  const adoptExclusive = (robotId: string, value: Exclusive) => {
    const known = exclusives.get(robotId);
    if (known && known.at >= value.at) return;
    exclusives.set(robotId, value);
    if (hub) hub.liveOf(robotId).exclusive = value.user ? { user: value.user, since: value.since } : undefined;
  };

  /** Forget peers not heard from in three heartbeats; their viewers and robots stop counting. */
  const expire = () => {
    for (const member of presence.silentSince(now() - 3 * heartbeatMs)) {
      log.warn(`serve process ${nameOf(member)} went silent; its sockets no longer count`);
      refresh(presence.forget(member));
    }
  };
  /** Tell this process's watchers that counts changed (without re-publishing: peers did not change here). */
  const refresh = (robotIds: string[]) => {
    for (const id of robotIds) hub?.emit(roomOf("viewers", id), "robot_state", hub.state(id));
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
        if (!presence.has(message.from)) log.info(`serve process ${nameOf(message.from)} joined`);
        publishState();
        return;
      case "state":
        if (!presence.has(message.from)) log.info(`serve process ${nameOf(message.from)} is up`);
        presence.heard(message.from, message.robots);
        for (const [id, value] of Object.entries(message.exclusive)) adoptExclusive(id, value);
        return;
      case "bye":
        log.info(`serve process ${nameOf(message.from)} left`);
        refresh(presence.forget(message.from));
        return;
      case "chat":
      case "unchat":
        chat.adopt(message);
        return;
      case "exclusive":
        adoptExclusive(message.robot_id, message.exclusive);
        return;
    }
  };

  return {
    nodeId,
    memberId: self,
    chat,
    roomSize: (room) => presence.roomSize(room),
    deliver(room, event, data) {
      if (!leaving) deliveries.send(presence.counting(room).map(([member]) => member), room, event, data);
    },
    reports: (robotId) => presence.reports(robotId),
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
      await deliveries.receive((room, event, data) => hub?.delivered(room, event, data));
      await link.subscribe(clusterChannel, onMessage);
      timer = setInterval(() => {
        expire();
        publishState();
      }, heartbeatMs);
      tell({ t: "hello", from: self });
      publishState();
      log.info(`serve process ${nodeId} shares state through Redis at ${link.where}`);
    },
    peersSeen: () => presence.seen().map(({ member, ageMs }) => ({ node: nameOf(member), member, ageMs })),
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
