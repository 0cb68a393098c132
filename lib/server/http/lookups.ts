import type { RobotRecord } from "../store/robot-record.ts";

/**
 * Answers to the LetsRobot info-server lookups (docs/protocol.md 1.2), as pure functions of the request path.
 * Every host and port points at this platform. Video and audio share one ingest port: the relay tells
 * the two POSTs apart by the MPEG-TS stream they carry, so old clients that build
 * `http://{host}:{port}/{stream_key}/640/480/` from either lookup keep working.
 */
export interface LookupDirectory {
  robot(id: string): RobotRecord | undefined;
  robotByCamera(cameraId: string): RobotRecord | undefined;
  moderators(owner: string): string[] | undefined;
}

export interface LookupPorts {
  /** Host name the client reached us by (from its Host header), else our own address. */
  host: string;
  /** Socket.io port for control and chat. */
  socketPort: number;
  /** Ingest port for both video and audio. */
  ingestPort: number;
}

export interface LookupAnswer {
  status: number;
  body: unknown;
}

const notFound = (what: string): LookupAnswer => ({ status: 404, body: { error: "not_found", message: what } });

/** Public settings of a robot, as `/api/v1/robots/{id}` serves them. */
function robotSettingsJson(robot: RobotRecord): Record<string, unknown> {
  return {
    robot_id: robot.id,
    robot_name: robot.name,
    camera_id: robot.cameraId,
    owner: robot.owner,
    ...robot.settings,
    buttons: robot.buttons,
    require_key: robot.requireKey,
  };
}

/** The answer for a lookup path, or undefined when the path is not a lookup. */
export function answerLookup(pathname: string, dir: LookupDirectory, ports: LookupPorts): LookupAnswer | undefined {
  const match = /^\/(get_control_host_port|get_chat_host_port|get_websocket_relay_host|get_video_port|get_audio_port|get_robot_owner|api\/v1\/robots|api\/v1\/accounts)\/([^/]+)\/?$/.exec(pathname);
  if (!match) return undefined;
  const [, kind = "", rawId = ""] = match;
  let id: string;
  try {
    id = decodeURIComponent(rawId);
  } catch {
    return notFound("bad id");
  }
  const robot = () => dir.robot(id);
  const camera = () => dir.robotByCamera(id);
  switch (kind) {
    case "get_control_host_port":
    case "get_chat_host_port":
      return robot() ? { status: 200, body: { host: ports.host, port: ports.socketPort } } : notFound(`unknown robot ${id}`);
    case "get_websocket_relay_host":
      return camera() ? { status: 200, body: { host: ports.host } } : notFound(`unknown camera ${id}`);
    case "get_video_port":
      return camera() ? { status: 200, body: { mpeg_stream_port: ports.ingestPort, port: ports.ingestPort } } : notFound(`unknown camera ${id}`);
    case "get_audio_port":
      return camera() ? { status: 200, body: { audio_stream_port: ports.ingestPort, port: ports.ingestPort } } : notFound(`unknown camera ${id}`);
    case "get_robot_owner": {
      const r = robot();
      return r ? { status: 200, body: { owner: r.owner } } : notFound(`unknown robot ${id}`);
    }
    case "api/v1/robots": {
      const r = robot();
      return r ? { status: 200, body: robotSettingsJson(r) } : notFound(`unknown robot ${id}`);
    }
    case "api/v1/accounts": {
      const moderators = dir.moderators(id);
      return moderators ? { status: 200, body: { username: id, moderators } } : notFound(`unknown user ${id}`);
    }
    default:
      return undefined;
  }
}

/** The host name from a Host header (`name:port`; IPv6 keeps its brackets so `http://{host}:{port}` works), or the fallback. */
export function hostFromHeader(header: string | undefined, fallback: string): string {
  if (!header) return fallback;
  const bracket = /^\[([^\]]+)\]/.exec(header);
  if (bracket) return `[${bracket[1]}]`;
  const name = header.split(":")[0]?.trim();
  return name && /^[A-Za-z0-9.-]+$/.test(name) ? name : fallback;
}
