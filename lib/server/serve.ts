import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import type { Deps } from "../deps.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { formatTable } from "../output.ts";
import { writePrivateFile } from "../private-file.ts";
import { type PlatformOptions, startPlatform } from "./platform.ts";
import { newShortId } from "./store/credentials.ts";
import { mergeSettings, requireNames } from "./store/robot-record.ts";
import { openStore } from "./store/store.ts";
import type { TlsIdentity } from "./tls/identity.ts";

/** What `letsrobot serve` will do, validated. */
export interface ServePlan {
  host: string;
  port: number;
  dataDir: string;
  appPort?: number;
  /** The `[twitch]` section (chat and extension are off unless it turns them on). */
  twitch?: PlatformOptions["twitch"];
  /** Several serve processes sharing one Redis (server.redis_url). */
  cluster?: PlatformOptions["cluster"];
  /** server.public_port: the port lookups name (0 = ours). */
  publicPort?: number;
  /** The port also speaks HTTPS/WSS with this certificate (lib/server/tls/identity.ts). */
  tls?: TlsIdentity;
  /** server.viewers_per_address: the relay's per-address viewer cap (0 = none). */
  viewersPerAddress?: number;
}

/** server.redis_url / server.node_id → the cluster options (undefined = one process without Redis). */
export function clusterOf(server: Config["server"]): ServePlan["cluster"] {
  const url = server.redis_url.trim();
  if (!url) return undefined;
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError("server.redis_url must start with redis:// (or rediss://)", 'e.g. redis_url = "redis://127.0.0.1:6379"; empty = one process');
  return { redisUrl: url, nodeId: server.node_id.trim() || `${hostname()}-${newShortId().slice(0, 6)}` };
}

export function parsePortFlag(value: unknown, flag: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be a port number 0-65535, not ${JSON.stringify(value)}`, `e.g. ${flag} 8022 (0 = any free port)`);
  return port;
}

/** The URL the last `serve` on this data dir listened on: `robot add`/`list` print viewer pages with it. */
const servedUrlFile = (dataDir: string) => join(dataDir, "serve.url");

export function lastServedUrl(dataDir: string): string | undefined {
  try {
    const url = readFileSync(servedUrlFile(dataDir), "utf8").trim();
    return /^https?:\/\/\S+$/.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Run the platform until deps.shutdown aborts; prints every URL it is reachable at and each robot's viewer page on stdout. */
export async function serve(plan: ServePlan, deps: Pick<Deps, "log" | "out" | "shutdown">): Promise<void> {
  const platform = await startPlatform({ host: plan.host, port: plan.port, dataDir: plan.dataDir, log: deps.log, appPort: plan.appPort, twitch: plan.twitch, cluster: plan.cluster, publicPort: plan.publicPort, tls: plan.tls, viewersPerAddress: plan.viewersPerAddress });
  try {
    if (plan.tls) deps.log.success(`HTTPS/WSS and plain HTTP on port ${platform.port}; certificate ${plan.tls.certPath}, SHA-256 fingerprint ${plan.tls.fingerprint} (valid until ${plan.tls.validTo})`);
    const robots = platform.status().robots;
    writeFileSync(servedUrlFile(plan.dataDir), `${platform.urls[0] ?? platform.url}\n`);
    for (const url of platform.urls) deps.out.text(url);
    for (const robot of robots) deps.out.text(`${robot.name}\t${robot.viewer_url}`);
    if (robots.length === 0) deps.log.info("no robots yet: add one with `letsrobot serve robot add NAME --out letsrobot.toml` (the robot's config, with its keys)");
    for (const warning of platform.status().warnings) deps.log.warn(warning);
    if (plan.appPort !== undefined) deps.log.info(`app sockets also on port ${platform.appPort}`);
    if (!deps.shutdown.aborted) await new Promise((resolve) => deps.shutdown.addEventListener("abort", resolve, { once: true }));
  } finally {
    await platform.close();
  }
}

export interface AddRobotPlan {
  dataDir: string;
  name: string;
  owner: string;
  requireKey?: boolean;
  /** Base URL to print in the config snippet. */
  server: string;
  json: boolean;
  /** `--out FILE`: where the robot's config section with its keys goes (its folder checked by the command, before the robot is touched). */
  out?: string;
  /** stdout is a terminal: without --out the keys are shown there, and only there. */
  interactive: boolean;
}

/** Where `robot add` writes the keys when stdout is not a terminal and no --out is given. */
export function keysFileOf(dataDir: string, name: string): string {
  return join(dataDir, "keys", `${name}.toml`);
}

/**
 * Create (or re-key) a robot in the data dir and hand over its ids and secrets, the only time they exist in
 * plain text. Secrets go to a terminal, or into a 0600 file (`--out`, else `{data dir}/keys/NAME.toml` when
 * stdout is a pipe or a journal), never into a pipe.
 */
export function addRobot(plan: AddRobotPlan, deps: Pick<Deps, "log" | "out">): void {
  requireNames(plan.name, plan.owner);
  const file = plan.out ?? (plan.interactive ? undefined : keysFileOf(plan.dataDir, plan.name));
  const store = openStore(plan.dataDir);
  try {
    const { robot, secrets, change } = store.ensureRobot({ name: plan.name, owner: plan.owner, requireKey: plan.requireKey });
    const ids = { robot_id: robot.id, camera_id: robot.cameraId, name: robot.name, owner: robot.owner, require_key: robot.requireKey, viewer_url: `${plan.server}/robot/${robot.id}` };
    const section = [
      `# robot ${robot.name} (owner ${robot.owner}); viewer page ${ids.viewer_url}`,
      "# The robot's letsrobot.toml (keep it mode 600). The keys are stored hashed: they cannot be shown again.",
      "[platform]",
      `server = "${plan.server}"`,
      `robot_id = "${robot.id}"`,
      `camera_id = "${robot.cameraId}"`,
      `owner = "${robot.owner}"`,
      `stream_key = "${secrets.streamKey}"`,
      `robot_key = "${secrets.robotKey}"`,
      `# owner token: sign in as ${robot.owner} (letsrobot send --as-owner)`,
      `owner_token = "${secrets.ownerToken}"`,
    ].join("\n");
    if (file === undefined) {
      deps.log.success(`${change} robot ${robot.name}; the keys below are shown only now`);
      if (plan.json) return deps.out.json({ ...ids, stream_key: secrets.streamKey, robot_key: secrets.robotKey, owner_token: secrets.ownerToken });
      return deps.out.text(section);
    }
    try {
      writePrivateFile(file, `${section}\n`, { makeFolder: plan.out === undefined });
    } catch (error) {
      throw new ConfigError(`cannot write the keys of robot ${robot.name} to ${file}: ${(error as Error).message}`, "free space or fix the folder's permissions, then run the same command again: it gives the robot new keys");
    }
    deps.log.success(`${change} robot ${robot.name}; its keys are in ${file} (mode 600), the only copy: copy it to the robot as its letsrobot.toml`);
    if (plan.json) return deps.out.json({ ...ids, keys_file: file });
    deps.out.text(`# robot ${robot.name} (owner ${robot.owner}); viewer page ${ids.viewer_url}\n# keys: ${file}`);
  } finally {
    store.close();
  }
}


/** The robots in the data dir, without secrets. */
export function listRobots(plan: { dataDir: string; server: string; json: boolean }, deps: Pick<Deps, "out">): void {
  const store = openStore(plan.dataDir);
  try {
    const robots = store.robots().map((r) => ({ robot_id: r.id, camera_id: r.cameraId, name: r.name, owner: r.owner, require_key: r.requireKey, viewer_url: `${plan.server}/robot/${r.id}` }));
    if (plan.json) return deps.out.json(robots);
    deps.out.text(formatTable(["name", "robot id", "camera id", "owner", "key required", "viewer"], robots.map((r) => [r.name, r.robot_id, r.camera_id, r.owner, r.require_key ? "yes" : "no", r.viewer_url])));
  } finally {
    store.close();
  }
}

export interface SetRobotPlan {
  dataDir: string;
  name: string;
  requireKey?: boolean;
  settings: Record<string, unknown>;
}

/** Change a robot's stored settings (a running `serve` picks them up on its next lookup). */
export function setRobot(plan: SetRobotPlan, deps: Pick<Deps, "log" | "out">): void {
  const store = openStore(plan.dataDir);
  try {
    const robot = store.robotByName(plan.name);
    if (!robot) throw new UsageError(`no robot named ${JSON.stringify(plan.name)} in ${plan.dataDir}`, "see `letsrobot serve robot list`");
    const settings = mergeSettings(robot.settings, plan.settings);
    if (typeof settings === "string") throw new UsageError(settings, "see `letsrobot serve robot set --help`");
    const updated = store.updateRobot(robot.id, { settings, requireKey: plan.requireKey });
    deps.log.success(`updated robot ${updated.name}`);
    deps.out.text(`require_key = ${updated.requireKey}\n${Object.entries(updated.settings).map(([k, v]) => `${k} = ${v}`).join("\n")}`);
  } finally {
    store.close();
  }
}
