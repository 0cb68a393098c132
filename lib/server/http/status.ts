import type { Hub } from "../sockets/hub.ts";
import type { RobotState } from "../sockets/robot-state.ts";
import type { StreamStats } from "../relay/relay.ts";
import type { Store } from "../store/store.ts";

/** The JSON status endpoint (`GET /api/status`) and `Platform.status()`. No secrets in here. */
export interface PlatformStatus {
  ok: true;
  uptime_s: number;
  url: string;
  connections: number;
  robots: (RobotState & { name: string; owner: string; camera_id: string; require_key: boolean; keyless_sockets: number; viewer_url: string; video_live: boolean; audio_live: boolean })[];
  streams: StreamStats[];
  totals: { robots_online: number; viewers: number; stream_viewers: number; bytes_in: number; bytes_out: number; dropped_bytes: number };
  warnings: string[];
}

export function buildStatus(input: { store: Store; hub: Hub; streams: StreamStats[]; url: string; startedAt: number; now: number; viewerUrl: (id: string) => string }): PlatformStatus {
  const robots = input.store.robots().map((robot) => ({
    ...input.hub.state(robot.id),
    name: robot.name,
    owner: robot.owner,
    camera_id: robot.cameraId,
    require_key: robot.requireKey,
    keyless_sockets: input.hub.liveOf(robot.id).keyless.size,
    viewer_url: input.viewerUrl(robot.id),
    video_live: input.streams.some((s) => s.camera_id === robot.cameraId && s.kind === "video" && s.live),
    audio_live: input.streams.some((s) => s.camera_id === robot.cameraId && s.kind === "audio" && s.live),
  }));
  const warnings: string[] = [];
  for (const r of robots) {
    if (!r.require_key) warnings.push(`robot ${r.name} (${r.robot_id}) accepts sockets without its robot key: anyone who knows its id can speak for it (turn on require_key once its client sends the key)`);
    if (r.keyless_sockets > 0) warnings.push(`robot ${r.name} (${r.robot_id}) has ${r.keyless_sockets} socket(s) identified without the robot key`);
  }
  const sum = (pick: (s: StreamStats) => number) => input.streams.reduce((n, s) => n + pick(s), 0);
  return {
    ok: true,
    uptime_s: Math.round((input.now - input.startedAt) / 1000),
    url: input.url,
    connections: input.hub.connections(),
    robots,
    streams: input.streams,
    totals: {
      robots_online: robots.filter((r) => r.online).length,
      viewers: robots.reduce((n, r) => n + r.viewers, 0),
      stream_viewers: sum((s) => s.viewers.length),
      bytes_in: sum((s) => s.bytes_in),
      bytes_out: sum((s) => s.bytes_out),
      dropped_bytes: sum((s) => s.dropped_bytes),
    },
    warnings,
  };
}
