import { ProtocolError } from "../errors.ts";
import type { HostPort } from "../net/channel.ts";

/**
 * LetsRobot info-server lookups (docs/protocol.md 1.2). The normalisers are pure and accept every field
 * spelling real servers used: ports as numbers or numeric strings, `mpeg_stream_port` or `port`, missing `xres`.
 */

export interface RobotSettings {
  xres: number;
  yres: number;
  micEnabled: boolean;
  raw: Record<string, unknown>;
}

export type LookupName = "control" | "chat" | "relay" | "video" | "audio" | "owner" | "settings" | "moderators";

export interface LookupSpec {
  name: LookupName;
  path: string;
  /** Which id the path needs. */
  needs: "robot" | "camera" | "owner";
}

export function lookupSpecs(ids: { robotId: string; cameraId: string; owner?: string }): LookupSpec[] {
  const r = encodeURIComponent(ids.robotId);
  const c = encodeURIComponent(ids.cameraId);
  const specs: LookupSpec[] = [
    { name: "control", path: `/get_control_host_port/${r}?version=2`, needs: "robot" },
    { name: "chat", path: `/get_chat_host_port/${r}`, needs: "robot" },
    { name: "relay", path: `/get_websocket_relay_host/${c}`, needs: "camera" },
    { name: "video", path: `/get_video_port/${c}`, needs: "camera" },
    { name: "audio", path: `/get_audio_port/${c}`, needs: "camera" },
    { name: "owner", path: `/get_robot_owner/${r}`, needs: "robot" },
    { name: "settings", path: `/api/v1/robots/${r}`, needs: "robot" },
  ];
  if (ids.owner) specs.push({ name: "moderators", path: `/api/v1/accounts/${encodeURIComponent(ids.owner)}`, needs: "owner" });
  return specs;
}

function record(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ProtocolError(`${what}: expected a JSON object, got ${JSON.stringify(json)?.slice(0, 60)}`, "is platform.server a LetsRobot info server?");
  }
  return json as Record<string, unknown>;
}

/** A port given as a number or a numeric string. */
export function parsePort(value: unknown, what: string): number {
  const port = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ProtocolError(`${what}: invalid port ${JSON.stringify(value)}`, "the server sent a bad port number; report it to the site admin");
  }
  return port;
}

function text(value: unknown, what: string): string {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string" || value.trim() === "") {
    throw new ProtocolError(`${what}: missing or empty (got ${JSON.stringify(value)})`, "the server answered without the field; check the robot/camera id");
  }
  return value.trim();
}

/** Strip a scheme or path some servers put around a host name. */
function bareHost(host: string): string {
  return host.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
}

export function normaliseHostPort(json: unknown, what: string): HostPort {
  const o = record(json, what);
  return { host: bareHost(text(o.host, `${what}.host`)), port: parsePort(o.port, `${what}.port`) };
}

export function normaliseRelayHost(json: unknown): string {
  return bareHost(text(record(json, "relay").host, "relay.host"));
}

/** `mpeg_stream_port` (what clients read) or `port` (what the published description says). */
export function normaliseVideoPort(json: unknown): number {
  const o = record(json, "video");
  return parsePort(o.mpeg_stream_port ?? o.port, "video.mpeg_stream_port");
}

export function normaliseAudioPort(json: unknown): number {
  const o = record(json, "audio");
  return parsePort(o.audio_stream_port ?? o.port, "audio.audio_stream_port");
}

export function normaliseOwner(json: unknown): string {
  return text(record(json, "owner").owner, "owner.owner");
}

function dimension(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : fallback;
}

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === "true" || value === "1";
}

/** Robot settings; a missing or bad `xres`/`yres` means 640×480. */
export function normaliseSettings(json: unknown): RobotSettings {
  const o = record(json, "settings");
  return { xres: dimension(o.xres, 640), yres: dimension(o.yres, 480), micEnabled: flag(o.mic_enabled ?? true), raw: o };
}

export function normaliseModerators(json: unknown): string[] {
  const list = record(json, "moderators").moderators;
  return Array.isArray(list) ? list.filter((m): m is string => typeof m === "string") : [];
}
