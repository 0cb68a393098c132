import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log.ts";
import { Lifecycle } from "../process/lifecycle.ts";
import { guardRequest, guardUpgrade } from "./guard.ts";
import { handleRequest, type RouteContext } from "./http/routes.ts";
import { Hub } from "./sockets/hub.ts";
import { ownerActions } from "./sockets/owner-actions.ts";
import { assets } from "./page/assets.ts";
import { indexPage, viewerPage } from "./page/viewer-page.ts";
import { createRelay } from "./relay/relay.ts";
import { shareRelay } from "./cluster/relay-cluster.ts";
import { createRemoEndpoint } from "./remo/endpoint.ts";
import { requireNames } from "./store/robot-record.ts";
import { attachRobotEvents } from "./sockets/robot-sockets.ts";
import { startSocketServer } from "./sockets/socket-server.ts";
import { openCluster } from "./cluster/cluster.ts";
import { openPorts } from "./http/ports.ts";
import { isWildcard, localNetwork, type NetworkView, reachableHosts } from "./http/reachable.ts";
import { buildStatus, type PlatformStatus } from "./http/status.ts";
import { openStore, type RobotSecrets } from "./store/store.ts";
import { type ServeTwitch, type ServeTwitchOptions, startServeTwitch } from "./twitch.ts";
import { defaultViewerLimits, type ViewerLimits, viewerEvents } from "./sockets/viewer-sockets.ts";
import { createMessageSocketUpgrader, createWebSocketUpgrader } from "./relay/ws-server.ts";

export type { PlatformStatus } from "./http/status.ts";

export interface PlatformOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  dataDir: string;
  log: Logger;
  /** Optional extra listener for the app (video status) socket, e.g. 8022 as old clients hard-coded. */
  appPort?: number;
  /** Per-user limits for viewer commands and chat (defaults: 10 commands/s burst 20, 1 chat/s burst 5), and every socket's event budget (30/s burst 60). */
  limits?: Partial<ViewerLimits>;
  /** Relay: most bytes queued for one viewer before chunks are dropped (default 1 MiB). */
  maxViewerQueueBytes?: number;
  /** Relay: a viewer over the bound for this long is disconnected (default 10 s). */
  viewerStallMs?: number;
  /** Relay: most websocket viewers per camera stream (default 1000). */
  maxStreamViewers?: number;
  /** Relay: most websocket viewers in all (default 1000). */
  maxRelayViewers?: number;
  /** Relay: most websocket viewers from one address (default 32; 0 = no cap, behind a reverse proxy). */
  viewersPerAddress?: number;
  /** The `[twitch]` section: chat commands and/or the extension backend drive this server's robot. */
  twitch?: ServeTwitchOptions["config"];
  /** Twitch chat connection tuning (tests). */
  twitchChatTuning?: ServeTwitchOptions["chatTuning"];
  /** Share robots' presence, chat and commands with other serve processes through Redis (docs/deploy.md). */
  cluster?: { redisUrl: string; nodeId: string; heartbeatMs?: number };
  /** The port lookups name, when a reverse proxy listens on another port than this process (default: ours). */
  publicPort?: number;
  /** PEM certificate and key: the port then speaks HTTPS/WSS as well as plain HTTP (lib/server/tls/port.ts). */
  tls?: { cert: string; key: string };
  /** Interfaces and host name the printed URLs name (default: this machine's, read when asked). */
  network?: NetworkView;
}

export interface Platform {
  /** http://127.0.0.1:PORT (or the one host listened on): lookups, sockets, relay and viewer pages all live on this port. */
  url: string;
  /** Every base URL a viewer can open, best first (LAN addresses, NAME.local, 127.0.0.1 when listening on every interface). */
  urls: string[];
  port: number;
  /** Port of the extra app-socket listener, when `appPort` was given. */
  appPort?: number;
  /** Create (or, for an existing name, re-key) a robot and return its ids and plain-text secrets (stored hashed); with `secrets`, keep those keys (no write when the robot already has them). */
  ensureRobot(input: { name: string; owner?: string; requireKey?: boolean; secrets?: RobotSecrets }): Promise<RobotCredentials>;
  /** A robot by name, without secrets (undefined when unknown). */
  findRobot(name: string): { robotId: string; cameraId: string; name: string; owner: string } | undefined;
  /** The robot's viewer page at the best of `urls`. */
  viewerUrl(robotId: string): string;
  status(): PlatformStatus;
  close(): Promise<void>;
}

export interface RobotCredentials {
  robotId: string;
  cameraId: string;
  name: string;
  owner: string;
  streamKey: string;
  robotKey: string;
  ownerToken: string;
}

/**
 * Start the local robot platform: lookups, socket.io, relay and viewer pages on one port. Each part registers
 * its teardown where it opens, so `close()` and a start that fails half-way both undo exactly what opened, in
 * reverse order: Twitch, the cluster membership, the Remo endpoint, the relay, socket.io, the ports, the hub's
 * pending broadcasts, Redis, the store.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const log = options.log.withTag("serve");
  const life = new Lifecycle(log);
  try {
    return await openPlatform(options, log, life);
  } catch (error) {
    await life.close();
    throw error;
  }
}

async function openPlatform(options: PlatformOptions, log: Logger, life: Lifecycle): Promise<Platform> {
  const store = openStore(options.dataDir);
  life.add("store", () => store.close());
  const cluster = options.cluster ? await openCluster({ ...options.cluster, log: options.log }) : undefined;
  if (cluster) life.add("Redis link", () => cluster.close());
  const limits = { ...defaultViewerLimits, ...options.limits };
  const hub = new Hub({ store, log, chat: cluster?.chat, peers: cluster, events: { perSecond: limits.eventsPerSecond, burst: limits.eventBurst } });
  life.add("robot state broadcasts", () => hub.close());
  hub.use((socket) => attachRobotEvents(socket, hub));
  hub.use(viewerEvents(hub, limits));
  hub.use(ownerActions(hub));
  // the ports open before the parts that hold connections on them, which therefore let go before the ports close
  const ports = await openPorts(options);
  life.add("ports", () => ports.close());
  const sockets = startSocketServer([{ http: ports.main, app: false }, ...(ports.app ? [{ http: ports.app, app: true }] : [])], (socket) => hub.onConnection(socket), { adapter: cluster?.socketAdapter });
  life.add("socket.io", async () => {
    const done = sockets.close();
    ports.dropConnections();
    await done;
  });
  const local = createRelay({
    log,
    upgrader: createWebSocketUpgrader(),
    maxQueueBytes: options.maxViewerQueueBytes,
    stallMs: options.viewerStallMs,
    maxViewers: options.maxStreamViewers,
    maxTotalViewers: options.maxRelayViewers,
    maxViewersPerAddress: options.viewersPerAddress,
  });
  // with peers, uploads are published on Redis and viewers here follow uploads that arrived elsewhere
  const relay = cluster ? shareRelay(local, { link: cluster.link, nodeId: cluster.memberId, log, robotByCamera: (id) => store.robotByCamera(id) }) : local;
  life.add("relay", () => relay.close());
  // Remo-style robots: websocket `/`, channel lookups, `/transmit` (docs/remo.md)
  const remo = createRemoEndpoint({ hub, relay, upgrader: createMessageSocketUpgrader({ pingMs: 30_000 }) });
  life.add("Remo endpoint", () => remo.close());
  hub.attach(remo.bridge(sockets));

  const publicHost = isWildcard(options.host) ? "127.0.0.1" : options.host.includes(":") ? `[${options.host}]` : options.host;
  let port = 0;
  const scheme = options.tls ? "https" : "http";
  const url = () => `${scheme}://${publicHost}:${port}`;
  const urls = () => reachableHosts(options.host, options.network ?? localNetwork()).map((host) => `${scheme}://${host}:${port}`);
  const viewerUrl = (robotId: string) => `${urls()[0] ?? url()}/robot/${robotId}`;
  const startedAt = Date.now();
  const status = () => buildStatus({ store, hub, streams: relay.stats(), url: url(), startedAt, now: Date.now(), viewerUrl });

  const routes: RouteContext = {
    directory: store,
    host: publicHost,
    port: () => options.publicPort || port,
    status,
    indexPage: () => indexPage(store.robots().map((robot) => ({ robot, online: hub.state(robot.id).online, viewers: hub.state(robot.id).viewers })), status().warnings),
    viewerPage: (id) => {
      const robot = store.robot(id);
      return robot ? viewerPage(robot) : undefined;
    },
    assets,
    ingest: (req, res, streamKey) => {
      const robot = store.robotByStreamKey(streamKey);
      if (!robot) {
        log.warn(`refused a stream upload from ${req.socket.remoteAddress}: wrong stream key`);
        res.writeHead(403, { "content-type": "text/plain", connection: "close" }).end("wrong stream key\n", () => req.destroy());
        return;
      }
      relay.ingest(req, res, robot);
    },
  };
  let twitch: ServeTwitch | undefined;
  const listening = await ports.listen({
    request: guardRequest(log, (req: IncomingMessage, res: ServerResponse) => {
      if (twitch?.http(req, res)) return;
      if (remo.handleRequest(req, res)) return;
      handleRequest(req, res, routes);
    }),
    upgrade: guardUpgrade(log, (req, socket, head) => {
      if (remo.upgrade(req, socket, head)) return;
      if (!relay.upgrade(req, socket, head, (cameraId) => store.robotByCamera(cameraId) !== undefined)) socket.destroy();
    }),
  });
  port = listening.port;
  if (cluster) {
    await cluster.bind(hub);
    // peers stop counting our sockets before they close, so robots reconnect to a process that knows them
    life.add("cluster membership", () => cluster.leave());
  }
  if (options.twitch?.chat || options.twitch?.extension) {
    const started = await startServeTwitch({ config: options.twitch, hub, log: options.log, chatTuning: options.twitchChatTuning, chatLease: cluster?.lease("twitch-chat") });
    life.add("Twitch", () => started.close());
    twitch = started;
  }
  log.success(`platform listening on ${urls().join(" ")} (${store.robots().length} robot(s); data in ${options.dataDir})`);

  let closed: Promise<void> | undefined;
  return {
    url: url(),
    urls: urls(),
    port,
    appPort: listening.appPort,
    async ensureRobot(input) {
      const owner = input.owner ?? "owner";
      requireNames(input.name, owner);
      const { robot, secrets, change } = store.ensureRobot({ name: input.name, owner, requireKey: input.requireKey, secrets: input.secrets });
      log.info(`${change} robot ${robot.name} (${robot.id}, camera ${robot.cameraId}, owner ${robot.owner})`);
      const { streamKey, robotKey, ownerToken } = secrets;
      return { robotId: robot.id, cameraId: robot.cameraId, name: robot.name, owner: robot.owner, streamKey, robotKey, ownerToken };
    },
    findRobot(name) {
      const robot = store.robotByName(name);
      return robot ? { robotId: robot.id, cameraId: robot.cameraId, name: robot.name, owner: robot.owner } : undefined;
    },
    viewerUrl,
    status,
    close() {
      closed ??= life.close().then(() => log.info("platform stopped"));
      return closed;
    },
  };
}
