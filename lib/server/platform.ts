import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo, Server as NetServer } from "node:net";
import { NetworkError, UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { guardRequest, guardUpgrade } from "./guard.ts";
import { handleRequest, type RouteContext } from "./http/routes.ts";
import { Hub } from "./sockets/hub.ts";
import { ownerActions } from "./sockets/owner-actions.ts";
import { assets } from "./page/assets.ts";
import { indexPage, viewerPage } from "./page/viewer-page.ts";
import { createRelay } from "./relay/relay.ts";
import { shareRelay } from "./cluster/relay-cluster.ts";
import { createRemoEndpoint } from "./remo/endpoint.ts";
import { validName } from "./store/robot-record.ts";
import { attachRobotEvents } from "./sockets/robot-sockets.ts";
import { startSocketServer } from "./sockets/socket-server.ts";
import { shareWithTls } from "./tls/port.ts";
import { type ClusterHandle, openCluster } from "./cluster/cluster.ts";
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

function listen(server: NetServer, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === "EADDRINUSE" ? `another program uses port ${port}: stop it, or pass --port (0 = any free port)` : error.code === "EACCES" ? `ports below 1024 need root: pick a port above 1024` : `check --host ${host}`;
      reject(new NetworkError(`cannot listen on ${host}:${port} for the ${what}: ${error.code ?? error.message}`, hint, { cause: error }));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Start the local robot platform: lookups, socket.io, relay and viewer pages on one port. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const log = options.log.withTag("serve");
  const store = openStore(options.dataDir);
  let cluster: ClusterHandle | undefined;
  try {
    cluster = options.cluster ? await openCluster({ ...options.cluster, log: options.log }) : undefined;
  } catch (error) {
    store.close();
    throw error;
  }
  const limits = { ...defaultViewerLimits, ...options.limits };
  const hub = new Hub({ store, log, chat: cluster?.chat, peers: cluster, events: { perSecond: limits.eventsPerSecond, burst: limits.eventBurst } });
  hub.use((socket) => attachRobotEvents(socket, hub));
  hub.use(viewerEvents(hub, limits));
  hub.use(ownerActions(hub));
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
  // Remo-style robots: websocket `/`, channel lookups, `/transmit` (docs/remo.md)
  const remo = createRemoEndpoint({ hub, relay, upgrader: createMessageSocketUpgrader({ pingMs: 30_000 }) });

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
  const onRequest = guardRequest(log, (req: IncomingMessage, res: ServerResponse) => {
    if (twitch?.http(req, res)) return;
    if (remo.handleRequest(req, res)) return;
    handleRequest(req, res, routes);
  });
  // uploads are long-lived requests: no overall request timeout (Node's default would cut them at 5 minutes)
  const main = createServer({ requestTimeout: 0 }, onRequest);
  main.on(
    "upgrade",
    guardUpgrade(log, (req, socket, head) => {
      const path = req.url ?? "";
      if (path.startsWith("/socket.io/")) return; // socket.io's own upgrade listener takes it
      if (remo.upgrade(req, socket, head)) return;
      if (!relay.upgrade(req, socket, head, (cameraId) => store.robotByCamera(cameraId) !== undefined)) socket.destroy();
    }),
  );
  const app = options.appPort !== undefined ? createServer((_req, res) => res.writeHead(404).end()) : undefined;
  const shared = options.tls ? await shareWithTls(main, options.tls) : undefined;
  const front = shared?.server ?? main;
  try {
    port = await listen(front, options.host, options.port, "platform");
    if (app) await listen(app, options.host, options.appPort ?? 0, "app socket");
  } catch (error) {
    relay.close();
    shared?.close();
    front.close();
    main.close();
    app?.close();
    await cluster?.close();
    store.close();
    throw error;
  }
  const sockets = startSocketServer([{ http: main, app: false }, ...(app ? [{ http: app, app: true }] : [])], (socket) => hub.onConnection(socket), { adapter: cluster?.socketAdapter });
  hub.attach(remo.bridge(sockets));
  try {
    await cluster?.bind(hub);
    if (options.twitch?.chat || options.twitch?.extension) {
      twitch = await startServeTwitch({ config: options.twitch, hub, log: options.log, chatTuning: options.twitchChatTuning, chatLease: cluster?.lease("twitch-chat") });
    }
  } catch (error) {
    relay.close();
    await sockets.close();
    main.closeAllConnections();
    shared?.close();
    front.close();
    main.close();
    app?.close();
    await cluster?.close();
    store.close();
    throw error;
  }
  log.success(`platform listening on ${urls().join(" ")} (${store.robots().length} robot(s); data in ${options.dataDir})`);

  let closed: Promise<void> | undefined;
  return {
    url: url(),
    urls: urls(),
    port,
    appPort: app ? (app.address() as AddressInfo).port : undefined,
    async ensureRobot(input) {
      const owner = input.owner ?? "owner";
      for (const [what, value] of [["robot name", input.name], ["owner name", owner]] as const) {
        if (!validName(value)) throw new UsageError(`invalid ${what} ${JSON.stringify(value)}`, "use 1-32 letters, digits, _ . - (starting with a letter or digit)");
      }
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
      closed ??= (async () => {
        await twitch?.close();
        // peers stop counting our sockets before they close, so robots reconnect to a process that knows them
        await cluster?.leave();
        remo.close();
        relay.close();
        hub.close();
        const done = sockets.close();
        main.closeAllConnections();
        app?.closeAllConnections();
        shared?.close();
        await done;
        await Promise.all([front, app].map((s) => (s?.listening ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)));
        await cluster?.close();
        store.close();
        log.info("platform stopped");
      })();
      return closed;
    },
  };
}
