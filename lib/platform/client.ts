import type { Config } from "../config/schema.ts";
import { ConfigError, ProtocolError, RejectedError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { getJson } from "./http.ts";
import type { HostPort } from "../net/channel.ts";
import {
  type LookupName,
  type LookupSpec,
  lookupSpecs,
  normaliseAudioPort,
  normaliseHostPort,
  normaliseModerators,
  normaliseOwner,
  normaliseRelayHost,
  normaliseSettings,
  normaliseVideoPort,
  type RobotSettings,
} from "./lookups.ts";

export interface Endpoints {
  info: URL;
  control: HostPort;
  chat: HostPort;
  /** The app (video status) socket: no lookup exists, it lives on the info host. */
  app: HostPort;
  relay: { host: string; videoPort: number; audioPort: number };
  owner: string;
  settings: RobotSettings;
  moderators: string[];
}

export interface LookupResult {
  name: LookupName;
  url: string;
  ok: boolean;
  ms: number;
  value?: unknown;
  error?: Error;
}

type PlatformConfig = Config["platform"];
type ClientDeps = { fetch: typeof fetch; log?: Logger; signal?: AbortSignal };

/** The info server URL, validated. */
export function infoUrl(platform: PlatformConfig): URL {
  if (!platform.server) throw new ConfigError("no platform server configured", "set platform.server in letsrobot.toml or pass --server URL");
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(platform.server) ? platform.server : `http://${platform.server}`);
  } catch {
    throw new ConfigError(`platform.server is not a URL: ${JSON.stringify(platform.server)}`, "write it like http://robot-server.example:8080");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`platform.server must be http:// or https://, not ${url.protocol}`, "write it like http://robot-server.example:8080");
  }
  return url;
}

export function requireIds(platform: PlatformConfig): { robotId: string; cameraId: string } {
  if (!platform.robot_id) throw new ConfigError("no robot id configured", "set platform.robot_id or pass --robot-id");
  return { robotId: platform.robot_id, cameraId: platform.camera_id || platform.robot_id };
}

const normalisers: Record<LookupName, (json: unknown) => unknown> = {
  control: (j) => normaliseHostPort(j, "control"),
  chat: (j) => normaliseHostPort(j, "chat"),
  relay: normaliseRelayHost,
  video: normaliseVideoPort,
  audio: normaliseAudioPort,
  owner: normaliseOwner,
  settings: normaliseSettings,
  moderators: normaliseModerators,
};

async function runLookup(base: URL, spec: LookupSpec, platform: PlatformConfig, deps: ClientDeps): Promise<LookupResult> {
  const url = new URL(spec.path, base).toString();
  const started = performance.now();
  try {
    const json = await getJson(url, {
      fetch: deps.fetch,
      timeoutMs: platform.timeout_ms,
      retries: platform.retries,
      signal: deps.signal,
      onRetry: (attempt, error, delay) => deps.log?.warn(`${spec.name} lookup failed (${error.message}); retry ${attempt} in ${delay} ms`),
    });
    const value = normalisers[spec.name](json);
    return { name: spec.name, url, ok: true, ms: performance.now() - started, value };
  } catch (error) {
    return { name: spec.name, url, ok: false, ms: performance.now() - started, error: error as Error };
  }
}

/** Every lookup, in parallel, each with its time and result; never throws for a failed lookup. */
export async function probeLookups(platform: PlatformConfig, deps: ClientDeps): Promise<LookupResult[]> {
  const base = infoUrl(platform);
  const ids = requireIds(platform);
  const specs = lookupSpecs({ ...ids, owner: platform.owner || undefined });
  const results = await Promise.all(specs.map((spec) => runLookup(base, spec, platform, deps)));
  const owner = results.find((r) => r.name === "owner");
  if (!platform.owner && owner?.ok && typeof owner.value === "string") {
    const [spec] = lookupSpecs({ ...ids, owner: owner.value }).filter((s) => s.name === "moderators");
    if (spec) results.push(await runLookup(base, spec, platform, deps));
  }
  return results;
}

/** A camera lookup the server answered 404 while no camera id was set (the robot id stood in for it). */
function cameraUnknown(result: LookupResult, platform: PlatformConfig): result is LookupResult & { ok: false; error: Error } {
  const camera = result.name === "relay" || result.name === "video" || result.name === "audio";
  return camera && !result.ok && !platform.camera_id && (result.error?.cause as { status?: number } | undefined)?.status === 404;
}

/** Resolve where everything lives. Required lookups that fail throw their classified error. */
export async function resolveEndpoints(platform: PlatformConfig, deps: ClientDeps): Promise<Endpoints> {
  const info = infoUrl(platform);
  const results = await probeLookups(platform, deps);
  const get = <T>(name: LookupName, fallback?: T): T => {
    const r = results.find((x) => x.name === name);
    if (r?.ok) return r.value as T;
    if (fallback !== undefined) return fallback;
    if (r && cameraUnknown(r, platform)) {
      throw new ProtocolError(r.error.message, "no camera id is set, so the robot id was asked for as the camera id (LetsRobot.tv used the same number): set platform.camera_id (`letsrobot serve robot list` shows it)", { cause: r.error });
    }
    throw r?.error ?? new Error(`lookup ${name} missing`);
  };
  const infoPort = Number(info.port || (info.protocol === "https:" ? 443 : 80));
  return {
    info,
    control: get<HostPort>("control"),
    chat: get<HostPort>("chat"),
    app: { host: info.hostname, port: platform.app_port || infoPort },
    relay: { host: get<string>("relay"), videoPort: get<number>("video"), audioPort: get<number>("audio") },
    owner: platform.owner || get<string>("owner", ""),
    settings: get<RobotSettings>("settings", { xres: 640, yres: 480, micEnabled: true, raw: {} }),
    moderators: get<string[]>("moderators", []),
  };
}

/**
 * Only the socket servers of a robot (control, chat and the app socket on the info host), for clients that
 * need no camera: viewers and watchers. A 404 means the server does not know the robot.
 */
export async function resolveSockets(platform: PlatformConfig, deps: ClientDeps): Promise<Pick<Endpoints, "control" | "chat" | "app">> {
  const info = infoUrl(platform);
  const { robotId } = requireIds(platform);
  const specs = lookupSpecs({ robotId, cameraId: robotId }).filter((s) => s.name === "control" || s.name === "chat");
  const [control, chat] = await Promise.all(specs.map((spec) => runLookup(info, spec, platform, deps)));
  const pick = (result: LookupResult | undefined): HostPort => {
    if (result?.ok) return result.value as HostPort;
    const error = result?.error;
    if (error instanceof ProtocolError && /HTTP 404/.test(error.message)) {
      throw new RejectedError("unknown_robot", `the server does not know robot "${robotId}"`, "check platform.robot_id / --robot-id (letsrobot serve robot add prints the ids)");
    }
    throw error ?? new ProtocolError(`no socket server for robot ${robotId}`);
  };
  const infoPort = Number(info.port || (info.protocol === "https:" ? 443 : 80));
  return { control: pick(control), chat: pick(chat), app: { host: info.hostname, port: platform.app_port || infoPort } };
}
