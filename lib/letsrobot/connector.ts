import type { Config } from "../config/schema.ts";
import type { Deps } from "../deps.ts";
import { terminalQr } from "../qr.ts";
import { connectSocket } from "../net/socket-client.ts";
import { connectLegacySocket } from "../net/socket-client-legacy.ts";
import { probeSocket } from "../net/handshake.ts";
import type { SocketFactory } from "../net/channel.ts";
import { type Endpoints, requireIds, resolveEndpoints } from "../platform/client.ts";
import { normaliseSettings } from "../platform/lookups.ts";
import { getJson } from "../platform/http.ts";
import type { RunProcess } from "../process/run.ts";
import type { Connector } from "../robot/connector.ts";
import type { Logger } from "../log.ts";
import type { Uploader } from "../media/upload.ts";
import { type Embedded, startEmbedded } from "./embedded.ts";
import { startMedia } from "./media-start.ts";
import { connectLinks } from "./robot.ts";

export type LetsrobotConnectorDeps = Pick<Deps, "log" | "out" | "env" | "fetch" | "shutdown" | "interactive"> & {
  runProcess: RunProcess;
  /** With --json the owner link and viewer URLs go out as JSON lines. */
  json: boolean;
  /** How the streams reach the platform's relay. */
  upload: Uploader;
};

/** socket.io 2.x or 4.x client: as configured, or asked from the control server. */
async function chooseFactory(config: Config, endpoints: Endpoints, deps: { fetch: typeof fetch; log: Logger }): Promise<SocketFactory> {
  const version = config.platform.socket_version;
  if (version === "2") return connectLegacySocket;
  if (version === "4") return connectSocket;
  const probe = await probeSocket(endpoints.control, { fetch: deps.fetch, timeoutMs: config.platform.timeout_ms });
  const legacy = probe.ok && !probe.engineIo.includes(4) && probe.engineIo.includes(3);
  deps.log.debug(`control server speaks Engine.IO ${probe.engineIo.join("+") || "?"}: using the socket.io ${legacy ? "2.x" : "4.x"} client`);
  return legacy ? connectLegacySocket : connectSocket;
}

/** Tell the owner where the robot is: viewer URLs, the owner link (a secret: on a terminal only), a QR code. */
function announceEmbedded(embedded: Embedded, deps: LetsrobotConnectorDeps): void {
  if (!deps.json) {
    for (const url of embedded.viewerUrls) deps.out.text(url);
    // a secret: shown on a terminal, never written to a pipe or a journal
    deps.out.text(deps.interactive ? `owner: ${embedded.ownerUrl}` : `owner: the owner link is owner_url in ${embedded.keysFile}`);
    if (deps.interactive) deps.out.text(terminalQr(embedded.viewerUrl));
    deps.log.success("your robot is live: open the first link above to drive it (the owner link signs you in as the owner; keep it private)");
  } else {
    deps.out.text(JSON.stringify(deps.interactive ? { type: "owner_url", owner_url: embedded.ownerUrl } : { type: "owner_url", file: embedded.keysFile }));
  }
}

/**
 * `platform.protocol = "letsrobot"`: the robot's platform is found by HTTP lookups (or started inside this
 * process when none is configured), commands and chat come over three socket.io sockets (control, chat,
 * app), and the streams go to the platform's relay.
 */
export function letsrobotConnector(initial: Config, deps: LetsrobotConnectorDeps): Connector {
  return {
    name: "LetsRobot",
    async open({ log, emit, signal, life }) {
      let config = initial;
      let embedded: Embedded | undefined;
      if (!config.platform.server) {
        embedded = await startEmbedded(config, { log, env: deps.env });
        life.add("local platform", () => embedded?.close());
        config = embedded.config;
      }
      const ids = requireIds(config.platform);
      const endpoints = await resolveEndpoints(config.platform, { fetch: deps.fetch, log, signal });
      // Re-lookups happen while reconnecting: one try each, the link's own backoff paces the retries.
      const relookup = () => resolveEndpoints({ ...config.platform, retries: 0 }, { fetch: deps.fetch, signal });
      const factory = await chooseFactory(config, endpoints, { fetch: deps.fetch, log });
      const settingsUrl = new URL(`/api/v1/robots/${encodeURIComponent(ids.robotId)}`, endpoints.info).toString();
      return {
        config,
        robotId: ids.robotId,
        roles: { owner: endpoints.owner, moderators: endpoints.moderators },
        settings: endpoints.settings,
        fetchSettings: async () => normaliseSettings(await getJson(settingsUrl, { fetch: deps.fetch, timeoutMs: config.platform.timeout_ms, retries: 1 })),
        startMedia: () => startMedia(config, endpoints, { ...deps, log, lookups: relookup, robotName: embedded?.robot.name, emit }),
        connect: (core) => connectLinks({ config, robotId: ids.robotId, cameraId: ids.cameraId, endpoints, factory }, core, relookup),
        announce() {
          emit({ type: "online", robot_id: ids.robotId, viewer_url: embedded?.viewerUrl, viewer_urls: embedded?.viewerUrls });
          if (embedded) announceEmbedded(embedded, { ...deps, log });
        },
      };
    },
  };
}
