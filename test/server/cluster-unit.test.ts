/**
 * The cluster's bookkeeping without Redis: two or three members on an in-memory pub/sub bus, each with a
 * real Hub and store and a socket server stand-in whose room sizes the test sets. A hand-moved clock
 * drives expiry; heartbeats run on short real timers and the test waits for the events they cause.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { type Config, defaults } from "../../lib/config/schema.ts";
import { ConfigError } from "../../lib/errors.ts";
import { chatMessage } from "../../lib/server/sockets/chat-log.ts";
import { clusterOf } from "../../lib/server/serve.ts";
import { createCluster, type Cluster } from "../../lib/server/cluster/cluster.ts";
import { Hub } from "../../lib/server/sockets/hub.ts";
import { roomOf } from "../../lib/server/sockets/rooms.ts";
import type { RedisLink } from "../../lib/server/cluster/redis.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Duplex, Readable } from "node:stream";
import type { Relay } from "../../lib/server/relay/relay.ts";
import { decodeTsFrame, encodeTsFrame, shareRelay } from "../../lib/server/cluster/relay-cluster.ts";
import type { SocketServer } from "../../lib/server/sockets/socket-server.ts";
import { openStore, type Store } from "../../lib/server/store/store.ts";
import { waitFor } from "../twitch/irc-server.ts";
import { quietLog, startTestPlatform, tempDataDir } from "./helpers.ts";

const data = tempDataDir();
const stores: Store[] = [];
afterAll(() => {
  for (const s of stores) s.close();
  data.remove();
});

function memoryBus() {
  const subscribers = new Map<string, Set<(m: Buffer) => void>>();
  const link = (): RedisLink => {
    const mine = new Map<string, (m: Buffer) => void>();
    return {
      socketAdapter: undefined as unknown as RedisLink["socketAdapter"],
      where: "memory",
      async publish(channel, message) {
        const set = subscribers.get(channel) ?? new Set();
        const bytes = Buffer.from(message);
        for (const handler of set) queueMicrotask(() => handler(bytes));
        return set.size;
      },
      async subscribe(channel, handler) {
        mine.set(channel, handler);
        subscribers.set(channel, (subscribers.get(channel) ?? new Set()).add(handler));
      },
      async unsubscribe(channel) {
        const handler = mine.get(channel);
        if (handler) subscribers.get(channel)?.delete(handler);
      },
      lease: async () => true,
      release: async () => undefined,
      pending: () => 0,
      close: async () => undefined,
    };
  };
  return { link };
}

/** The shared store, opened once more (as each process opens it), closed after the file's tests. */
function sharedStore(): Store {
  const store = openStore(data.dir);
  stores.push(store);
  return store;
}

/** A robot in the shared store. */
const robotNamed = (name: string) => sharedStore().ensureRobot({ name, owner: "una" }).robot;

/** A member: a Hub on the shared store, rooms set by the test, and the events its hub emitted. */
async function member(bus: ReturnType<typeof memoryBus>, nodeId: string, clock: { now: number }) {
  const store = sharedStore();
  const rooms = new Map<string, number>();
  const emitted = new EventEmitter();
  const io: SocketServer = {
    emitTo: (room, event, payload) => void emitted.emit("emit", { room, event, payload }),
    emitHere: (room, event, payload) => {
      const here = rooms.get(room) ?? 0;
      if (here > 0) emitted.emit("emit", { room, event, payload });
      return here;
    },
    roomSize: (room) => rooms.get(room) ?? 0,
    connections: () => 0,
    close: async () => undefined,
  };
  const cluster: Cluster = createCluster({ link: bus.link(), nodeId, log: quietLog(), heartbeatMs: 20, now: () => clock.now });
  const hub = new Hub({ store, log: quietLog(), chat: cluster.chat, peers: cluster });
  hub.attach(io);
  await cluster.bind(hub);
  return { hub, cluster, rooms, emitted };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("cluster bookkeeping", () => {
  const robot = robotNamed("unit");

  test("peers count each other's sockets; a silent peer stops counting after three heartbeats; bye is immediate", async () => {
    const clock = { now: 1_000 };
    const bus = memoryBus();
    const x = await member(bus, "x", clock);
    const y = await member(bus, "y", clock);
    const z = await member(bus, "z", clock);
    x.rooms.set(roomOf("control", robot.id), 1);
    x.rooms.set(roomOf("viewers", robot.id), 2);
    z.rooms.set(roomOf("viewers", robot.id), 3);
    x.hub.publishState(robot.id);
    z.hub.publishState(robot.id);
    await settle();
    await settle();
    expect(y.hub.state(robot.id)).toMatchObject({ online: true, sockets: { control: 1, chat: 0, app: 0 }, viewers: 5 });
    expect(y.hub.roomSize("nonsense")).toBe(0);

    await z.cluster.leave();
    await settle();
    expect(y.hub.state(robot.id).viewers).toBe(2);

    // x falls silent (its process froze): y forgets it on the first heartbeat after 3 × 20 ms of fake time
    await x.cluster.leave();
    const refreshed = waitFor(y.emitted, "emit", (e: { event: string }) => e.event === "robot_state", 2000, "y's refresh after expiry");
    // bye from x was heard: put x back as a silent member by replaying a state message, then move time on
    const replay = bus.link();
    await replay.publish("letsrobot:cluster:v1", JSON.stringify({ t: "state", from: "x", robots: { [robot.id]: { control: 1, chat: 0, app: 0, viewers: 2 } }, exclusive: {} }));
    await settle();
    expect(y.hub.state(robot.id).online).toBe(true);
    clock.now += 100;
    await refreshed;
    expect(y.hub.state(robot.id)).toMatchObject({ online: false, viewers: 0 });
    expect(y.cluster.peersSeen().map((p) => p.node)).not.toContain("x");
    await y.cluster.leave();
  });

  test("two processes given the same node_id still count each other (member ids are unique)", async () => {
    const clock = { now: 9_000 };
    const bus = memoryBus();
    const one = await member(bus, "same", clock);
    const two = await member(bus, "same", clock);
    expect(one.cluster.memberId).not.toBe(two.cluster.memberId);
    one.rooms.set(roomOf("control", robot.id), 1);
    two.rooms.set(roomOf("viewers", robot.id), 4);
    one.hub.publishState(robot.id);
    two.hub.publishState(robot.id);
    await settle();
    await settle();
    expect(one.hub.state(robot.id)).toMatchObject({ online: true, viewers: 4 });
    expect(two.hub.state(robot.id)).toMatchObject({ online: true, viewers: 4 });
    expect(one.cluster.peersSeen()).toEqual([{ node: "same", member: two.cluster.memberId, ageMs: 0 }]);
    await Promise.all([one.cluster.leave(), two.cluster.leave()]);
  });

  test("exclusive control: the newest change wins everywhere; chat additions and removals are shared", async () => {
    const clock = { now: 5_000 };
    const bus = memoryBus();
    const x = await member(bus, "x", clock);
    const y = await member(bus, "y", clock);
    x.hub.setExclusive(robot, "vera");
    await settle();
    expect(y.hub.liveOf(robot.id).exclusive?.user).toBe("vera");
    // an older word (e.g. a late heartbeat of a member that had not heard) does not undo it
    await bus.link().publish("letsrobot:cluster:v1", JSON.stringify({ t: "exclusive", from: "old", robot_id: robot.id, exclusive: { user: "otto", since: 1, at: 1 } }));
    await settle();
    expect(y.hub.liveOf(robot.id).exclusive?.user).toBe("vera");
    clock.now += 10;
    y.hub.setExclusive(robot, null);
    await settle();
    expect(x.hub.liveOf(robot.id).exclusive).toBeUndefined();

    const message = chatMessage(robot, { name: "walt", anonymous: false }, "hi", clock.now);
    x.hub.chat.add(message);
    await settle();
    expect(y.hub.chat.recent(robot.id).map((m) => m._id)).toEqual([message._id]);
    expect(y.hub.chat.remove(robot.id, message._id)).toBe(true);
    await settle();
    expect(x.hub.chat.recent(robot.id)).toEqual([]);
    await Promise.all([x.cluster.leave(), y.cluster.leave()]);
  });
});

describe("commands across processes", () => {
  const robot = robotNamed("unit-commands");

  test("a command goes once, only to the process that holds the robot's control socket; a local robot costs no message", async () => {
    const clock = { now: 1_000 };
    const bus = memoryBus();
    const x = await member(bus, "cx", clock);
    const y = await member(bus, "cy", clock);
    const z = await member(bus, "cz", clock);
    const seen = (m: Awaited<ReturnType<typeof member>>) => {
      const got: { room: string; payload: unknown }[] = [];
      m.emitted.on("emit", (e: { room: string; event: string; payload: unknown }) => e.event === "command_to_robot" && got.push({ room: e.room, payload: e.payload }));
      return got;
    };
    const [atX, atY, atZ] = [seen(x), seen(y), seen(z)];
    x.rooms.set(roomOf("control", robot.id), 1);
    x.hub.publishState(robot.id);
    await settle();
    await settle();
    const command = { robot_id: robot.id, command: "F", key_position: "" };
    y.hub.emit(roomOf("control", robot.id), "command_to_robot", command);
    await settle();
    await settle();
    expect(atX).toEqual([{ room: roomOf("control", robot.id), payload: command }]);
    expect(atY).toEqual([]);
    expect(atZ).toEqual([]);
    // the robot's own process: delivered locally, nothing published for the others
    x.hub.emit(roomOf("control", robot.id), "command_to_robot", command);
    await settle();
    expect(atX).toHaveLength(2);
    expect(atY).toEqual([]);
    expect(atZ).toEqual([]);
    await Promise.all([x, y, z].map((m) => m.cluster.leave()));
  });
});

describe("relay across processes", () => {
  test("a remote upload replaced by a newer one here is ignored from then on (no ping-pong between transmitters)", async () => {
    const bus = memoryBus();
    const store = sharedStore();
    const { robot } = store.ensureRobot({ name: "cam2", owner: "una" });
    // a relay stand-in: one transmitter per camera, a new ingest destroys the previous one (as relay.ts does)
    const ingests: string[] = [];
    let current: Readable | undefined;
    const stub: Relay = {
      ingest(req, _res, r) {
        current?.destroy();
        current = req as unknown as Readable;
        ingests.push(r.cameraId);
        req.on("data", () => undefined);
      },
      upgrade: (_req, _socket, _head, known) => known(robot.cameraId),
      stats: () => [{ camera_id: robot.cameraId, kind: "video", codec: "mpeg1", live: true, since: 0, bytes_in: 0, bytes_out: 0, dropped_bytes: 0, transmitters: 1, viewers: [{ queued: 0, buffered: 0, sent: 0, dropped: 0 }] }],
      close: () => undefined,
    };
    const here = shareRelay(stub, { link: bus.link(), nodeId: "here", log: quietLog(), robotByCamera: (id) => store.robotByCamera(id), sweepMs: 60_000 });
    here.upgrade({} as IncomingMessage, {} as Duplex, Buffer.alloc(0), () => true);
    const elsewhere = bus.link();
    const packetOf = (n: number) => Buffer.alloc(188 * n, 0x47);
    await settle();
    await elsewhere.publish(`letsrobot:ts:${robot.cameraId}`, encodeTsFrame(0, "there/1", packetOf(1)));
    await settle();
    expect(ingests).toHaveLength(1);
    // a newer upload arrives here and replaces the remote one
    const local = new Readable({ read() {} });
    here.ingest(local as unknown as IncomingMessage, {} as ServerResponse, robot);
    await settle();
    expect(ingests).toHaveLength(2);
    for (let i = 0; i < 3; i++) await elsewhere.publish(`letsrobot:ts:${robot.cameraId}`, encodeTsFrame(0, "there/1", packetOf(1)));
    await settle();
    expect(ingests).toHaveLength(2);
    expect(local.destroyed).toBe(false);
    expect(here.shared().received_bytes).toBe(188);
    here.close();
  });
});

describe("server.redis_url and server.node_id", () => {
  const server = (patch: Partial<Config["server"]>) => ({ ...defaults().server, ...patch });
  test.each([
    ["empty: one process", { redis_url: "" }, undefined],
    ["with a node id", { redis_url: " redis://127.0.0.1:6379 ", node_id: "web-1" }, { redisUrl: "redis://127.0.0.1:6379", nodeId: "web-1" }],
    ["tls", { redis_url: "rediss://:pw@cache:6380", node_id: "x" }, { redisUrl: "rediss://:pw@cache:6380", nodeId: "x" }],
  ])("%s", (_name, patch, expected) => {
    expect(clusterOf(server(patch))).toEqual(expected);
  });
  test("without a node id: host name and a random suffix, different per process", () => {
    const [one, two] = [clusterOf(server({ redis_url: "redis://h:1" })), clusterOf(server({ redis_url: "redis://h:1" }))];
    expect(one?.nodeId).toMatch(/-[0-9a-f]{6}$/);
    expect(one?.nodeId).not.toBe(two?.nodeId);
  });
  test("not a redis:// URL is a config error naming the key", () => {
    expect(() => clusterOf(server({ redis_url: "http://127.0.0.1:6379" }))).toThrow(ConfigError);
    expect(() => clusterOf(server({ redis_url: "127.0.0.1:6379" }))).toThrow("server.redis_url");
  });
});

describe("behind a reverse proxy", () => {
  test("lookups name server.public_port, not the port serve listens on", async () => {
    const dir = tempDataDir();
    const platform = await startTestPlatform(dir.dir, { publicPort: 8080 });
    try {
      const { robotId, cameraId } = await platform.ensureRobot({ name: "proxied" });
      expect(await (await fetch(`${platform.url}/get_control_host_port/${robotId}`, { headers: { host: "robot.example.com" } })).json()).toEqual({ host: "robot.example.com", port: 8080 });
      expect(await (await fetch(`${platform.url}/get_video_port/${cameraId}`)).json()).toEqual({ mpeg_stream_port: 8080, port: 8080 });
      expect(platform.port).not.toBe(8080);
    } finally {
      await platform.close();
      dir.remove();
    }
  });
});

describe("relay frames on Redis", () => {
  test.each([
    ["data", 0, "node-a/1", new Uint8Array([0x47, 1, 2, 3])],
    ["end", 1, "node-b/22", new Uint8Array(0)],
    ["unicode id", 0, "nöde/3", new Uint8Array([9])],
  ])("%s frame round-trips", (_name, kind, id, payload) => {
    const decoded = decodeTsFrame(encodeTsFrame(kind as 0 | 1, id, payload));
    expect(decoded?.kind).toBe(kind);
    expect(decoded?.uploadId).toBe(id);
    expect([...(decoded?.payload ?? [])]).toEqual([...payload]);
  });

  test("truncated frames are refused", () => {
    expect(decodeTsFrame(Buffer.from([0]))).toBeUndefined();
    expect(decodeTsFrame(Buffer.from([0, 5, 65]))).toBeUndefined();
  });
});
