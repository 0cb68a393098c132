import { homedir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { NetworkError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Platform, RobotCredentials } from "../server/platform.ts";

/** The robot a fresh install creates on its own embedded platform. */
export const EMBEDDED_ROBOT = "my-robot";

export interface Embedded {
  platform: Platform;
  robot: RobotCredentials;
  /** The config with platform.* pointing at the embedded platform and the robot's ids and secrets. */
  config: Config;
  /** The viewer page at the best reachable address (a LAN address when listening on every interface). */
  viewerUrl: string;
  /** The viewer page at every reachable address, best first. */
  viewerUrls: string[];
  /** The viewer page with the owner's sign-in token in the fragment (a secret: stdout only, never logged). */
  ownerUrl: string;
}

export function dataDirOf(config: Config, env: Record<string, string | undefined>): string {
  return config.server.data_dir || join(env.XDG_DATA_HOME || join(env.HOME ?? homedir(), ".local", "share"), "letsrobot");
}

/**
 * Where the embedded platform listens when server.host is empty: every interface, IPv4 and IPv6, because a
 * robot's owner opens its page from a phone or laptop on the same network (viewers drive; only the owner
 * link moderates). 127.0.0.1 keeps it on this machine.
 */
export const EMBEDDED_HOST = "::";

/**
 * No platform.server configured: run the local platform in this process (server.host/server.port, any free
 * port when that one is busy; IPv4 only when IPv6 is off), create the robot, and point the config at it.
 */
export async function startEmbedded(config: Config, deps: { log: Logger; env: Record<string, string | undefined> }): Promise<Embedded> {
  const { startPlatform } = await import("../server/platform.ts");
  const dataDir = dataDirOf(config, deps.env);
  let host = config.server.host || EMBEDDED_HOST;
  let port = config.server.port;
  let platform: Platform | undefined;
  while (!platform) {
    try {
      platform = await startPlatform({ host, port, dataDir, log: deps.log });
    } catch (error) {
      const message = error instanceof NetworkError ? error.message : "";
      if (host === "::" && /EAFNOSUPPORT|EADDRNOTAVAIL/.test(message)) {
        deps.log.warn("IPv6 is off on this machine; the local platform listens on IPv4 only (0.0.0.0)");
        host = "0.0.0.0";
      } else if (port !== 0 && /EADDRINUSE/.test(message)) {
        deps.log.warn(`port ${port} is busy; the local platform uses a free port instead`);
        port = 0;
      } else throw error;
    }
  }
  try {
    // the robot presents its key, so a stranger on the network cannot connect as this robot
    const robot = await platform.ensureRobot({ name: EMBEDDED_ROBOT, requireKey: true });
    const viewerUrl = platform.viewerUrl(robot.robotId);
    return {
      platform,
      robot,
      viewerUrl,
      viewerUrls: platform.urls.map((base) => `${base}/robot/${robot.robotId}`),
      ownerUrl: `${viewerUrl}#token=${encodeURIComponent(robot.ownerToken)}`,
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
    await platform.close();
    throw error;
  }
}
