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
  viewerUrl: string;
  /** The viewer page with the owner's sign-in token in the fragment (a secret: stdout only, never logged). */
  ownerUrl: string;
}

export function dataDirOf(config: Config, env: Record<string, string | undefined>): string {
  return config.server.data_dir || join(env.XDG_DATA_HOME || join(env.HOME ?? homedir(), ".local", "share"), "letsrobot");
}

/**
 * No platform.server configured: run the local platform in this process (server.host/server.port, any free
 * port when that one is busy), create the robot, and point the config at it.
 */
export async function startEmbedded(config: Config, deps: { log: Logger; env: Record<string, string | undefined> }): Promise<Embedded> {
  const { startPlatform } = await import("../server/platform.ts");
  const dataDir = dataDirOf(config, deps.env);
  let platform: Platform;
  try {
    platform = await startPlatform({ host: config.server.host, port: config.server.port, dataDir, log: deps.log });
  } catch (error) {
    if (!(error instanceof NetworkError) || config.server.port === 0 || !/EADDRINUSE/.test(error.message)) throw error;
    deps.log.warn(`port ${config.server.port} is busy; the local platform uses a free port instead`);
    platform = await startPlatform({ host: config.server.host, port: 0, dataDir, log: deps.log });
  }
  try {
    const robot = await platform.ensureRobot({ name: EMBEDDED_ROBOT });
    const viewerUrl = platform.viewerUrl(robot.robotId);
    return {
      platform,
      robot,
      viewerUrl,
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
