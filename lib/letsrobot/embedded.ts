import { join } from "node:path";
import { defaultDataDir } from "../config/data-dir.ts";
import type { Config } from "../config/schema.ts";
import { NetworkError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { Lifecycle } from "../process/lifecycle.ts";
import type { Platform, RobotCredentials } from "../server/platform.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { type EmbeddedKeys, readKeys, saveKeys } from "./embedded-keys.ts";

/** The robot a fresh install creates on its own embedded platform. */
const EMBEDDED_ROBOT = "my-robot";

export interface Embedded {
  platform: Platform;
  robot: RobotCredentials;
  /** The config with platform.* pointing at the embedded platform and the robot's ids and secrets. */
  config: Config;
  /** The viewer page at the best reachable address (a LAN address when listening on every interface). */
  viewerUrl: string;
  /** The viewer page at every reachable address, best first. */
  viewerUrls: string[];
  /** The viewer page with the owner's sign-in token in the fragment (a secret: a terminal only, never logged). */
  ownerUrl: string;
  /** The 0600 file in the data dir that keeps the robot's keys and the owner link (`owner_url`). */
  keysFile: string;
  /** Stop the platform and let another `run` host this data dir. */
  close(): Promise<void>;
}

/**
 * Where the embedded platform listens when server.host is empty: every interface, IPv4 and IPv6, because a
 * robot's owner opens its page from a phone or laptop on the same network (viewers drive; only the owner
 * link moderates). 127.0.0.1 keeps it on this machine.
 */
const EMBEDDED_HOST = "::";

/**
 * No platform.server configured: run the local platform in this process (server.host/server.port, any free
 * port when that one is busy; IPv4 only when IPv6 is off), create the robot, and point the config at it. The
 * robot keeps its keys and the owner its link from one start to the next (no database write when nothing
 * changed); one `run` per data dir hosts the platform, a second one is refused.
 */
export async function startEmbedded(config: Config, deps: { log: Logger; env: Record<string, string | undefined> }): Promise<Embedded> {
  const { startPlatform } = await import("../server/platform.ts");
  const dataDir = defaultDataDir(config.server, deps.env);
  const life = new Lifecycle(deps.log);
  const lock = lockDataDir(dataDir);
  life.add("the data dir lock", () => lock.release());
  let host = config.server.host || EMBEDDED_HOST;
  let port = config.server.port;
  let started: Platform | undefined;
  while (!started) {
    try {
      // the robot's own platform also takes its Twitch chat commands and extension panel, as `serve` does
      started = await startPlatform({ host, port, dataDir, log: deps.log, twitch: config.twitch });
    } catch (error) {
      const message = error instanceof NetworkError ? error.message : "";
      if (host === "::" && /EAFNOSUPPORT|EADDRNOTAVAIL/.test(message)) {
        deps.log.warn("IPv6 is off on this machine; the local platform listens on IPv4 only (0.0.0.0)");
        host = "0.0.0.0";
      } else if (port !== 0 && /EADDRINUSE/.test(message)) {
        deps.log.warn(`port ${port} is busy; the local platform uses a free port instead`);
        port = 0;
      } else {
        await life.close();
        throw error;
      }
    }
  }
  const platform = started;
  life.add("the local platform", () => platform.close());
  const close = () => life.close();
  try {
    lock.announce(platform.url);
    const keysFile = join(dataDir, `${EMBEDDED_ROBOT}.json`);
    const saved = readKeys(keysFile);
    // the robot presents its key, so a stranger on the network cannot connect as this robot
    const robot = await platform.ensureRobot({ name: EMBEDDED_ROBOT, requireKey: true, secrets: saved });
    const viewerUrl = platform.viewerUrl(robot.robotId);
    const { ownerToken, robotKey, streamKey } = robot;
    const keys: EmbeddedKeys = { ownerToken, robotKey, streamKey, ownerUrl: `${viewerUrl}#token=${encodeURIComponent(ownerToken)}` };
    if (!saved || (Object.keys(keys) as (keyof EmbeddedKeys)[]).some((k) => keys[k] !== saved[k])) {
      try {
        saveKeys(keysFile, keys);
      } catch (error) {
        deps.log.warn(`cannot save the robot's keys to ${keysFile} (${(error as Error).message}); the owner link changes on the next start`);
      }
    }
    return {
      platform,
      robot,
      viewerUrl,
      viewerUrls: platform.urls.map((base) => `${base}/robot/${robot.robotId}`),
      ownerUrl: keys.ownerUrl,
      keysFile,
      close,
      config: {
        ...config,
        platform: {
          ...config.platform,
          server: platform.url,
          socket_version: "4",
          robot_id: robot.robotId,
          camera_id: robot.cameraId,
          owner: robot.owner,
          stream_key: robot.streamKey,
          robot_key: robot.robotKey,
        },
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
