import type { LinkName, LinkState, LinkStatus } from "./link-status.ts";
import type { StopReason } from "./executor.ts";
import type { Health } from "./health.ts";

/** Everything `run` reports: one JSON line each with --json, a log line otherwise. */
export type RobotEvent =
  /** `viewer_url`: the link to share (embedded platform only); `viewer_urls`: every address it answers on. */
  | { type: "online"; robot_id: string; viewer_url?: string; viewer_urls?: string[] }
  | { type: "link"; link: LinkName; state: LinkState; detail?: string }
  | { type: "command"; user: string; command: string; key_position: string; accepted: boolean; reason?: string }
  | { type: "stop"; reason: StopReason }
  /** `queued`: waiting to be spoken (a `spoken` event follows once it has been); false with the reason why not. */
  | { type: "chat"; user: string; text: string; queued: boolean; reason?: string }
  | { type: "chat_command"; user: string; command: string; reply: string; refused: boolean }
  | { type: "spoken"; user: string; text: string }
  | { type: "video_status"; send_video_process_exists: boolean; ffmpeg_process_exists: boolean }
  | { type: "settings"; changed: string[] }
  | { type: "media"; kind: "video" | "audio"; op: string; ok: boolean; detail?: string }
  | { type: "health"; healthy: boolean; problems: string[] }
  | { type: "broadcast"; live: boolean; ingest: string; detail?: string }
  | { type: "shutdown"; reason: string };

export interface RobotStatus extends Health {
  robot_id: string;
  links: LinkStatus[];
  driver: { name: string; moving: boolean; connected: boolean; pose?: { x: number; y: number; heading: number } };
  video: { running: boolean; fps?: number };
  audio: { running: boolean };
  twitch?: { running: boolean; kbps?: number; restarts: number; last_error?: string };
  last_command?: { command: string; user: string; at: string; latency_ms?: number };
  tts: { waiting: number; speaking: boolean; spoken: number; muted: boolean } | undefined;
  moderation: { table: boolean; devmode: string; exclusive?: string };
  uptime_s: number;
}

const dot = (state: LinkState) => (state === "connected" ? "up" : state === "connecting" ? "…" : "down");

/** The one-line live status shown on a terminal. Pure. */
export function statusLine(status: RobotStatus): string {
  const links = status.links.map((l) => `${l.name} ${dot(l.state)}`).join(" ");
  const video = status.video.running ? `video ${status.video.fps !== undefined ? `${Math.round(status.video.fps)} fps` : "on"}` : "video off";
  const last = status.last_command
    ? `last ${status.last_command.command} by ${status.last_command.user || "anonymous"}${status.last_command.latency_ms !== undefined ? ` ${status.last_command.latency_ms.toFixed(0)} ms` : ""}`
    : "no commands yet";
  const tts = status.tts ? `tts ${status.tts.muted ? "muted" : `${status.tts.waiting} waiting`}` : "tts off";
  const parts = [links, video];
  if (status.twitch) parts.push(status.twitch.running ? `twitch ${Math.round(status.twitch.kbps ?? 0)} kbit/s` : "twitch DOWN");
  return [...parts, status.driver.moving ? "moving" : "stopped", last, tts].join(" | ");
}

/** Events logged as warnings in text mode: a lost socket, the robot turning unhealthy. */
export function isWarning(event: RobotEvent): boolean {
  return (event.type === "link" && (event.state === "down" || event.state === "refused")) || (event.type === "health" && !event.healthy);
}

/** A human log line for an event (without --json). */
export function describeEvent(event: RobotEvent): string | undefined {
  switch (event.type) {
    case "online":
      return `robot ${event.robot_id} is online`; // the viewer URL is a result: `run` prints it once on stdout
    case "link":
      return `${event.link} socket ${event.state}${event.detail ? ` (${event.detail})` : ""}`;
    case "command":
      return event.accepted ? undefined : `refused ${event.command} from ${event.user || "anonymous"}: ${event.reason}`;
    case "chat_command":
      return `${event.user || "anonymous"}: .${event.command} → ${event.reply}`;
    case "settings":
      return `robot settings changed: ${event.changed.join(", ") || "nothing that matters"}`;
    case "media":
      return `${event.kind} ${event.op}${event.ok ? "" : ` failed: ${event.detail}`}`;
    case "health":
      return event.healthy ? "healthy again" : `unhealthy: ${event.problems.join("; ")}`;
    case "broadcast":
      return undefined; // the broadcaster logs its own lines
    case "shutdown":
      return `shutting down (${event.reason})`;
    default:
      return undefined;
  }
}
