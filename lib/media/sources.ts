import type { Config } from "../config/schema.ts";
import { ConfigError, MediaError } from "../errors.ts";
import { type Camera, findCamera, findSoundCard, type KnownDevices, type SoundCard } from "./devices.ts";

export type { KnownDevices } from "./devices.ts";

/**
 * Input side of an ffmpeg command for each source kind (pure). Camera inputs decode on one thread: a
 * frame-threaded decoder (MJPEG) holds one picture per extra thread. A device spelled `lavfi:<graph>` stands in
 * for a real camera or microphone (tests, demos): it is read in real time from ffmpeg's lavfi generator.
 */
export type VideoSourceKind = "test" | "v4l2" | "libcamera" | "http" | "lavfi";
type AudioSourceKind = "test" | "alsa" | "pulse" | "lavfi";

export interface SourceInput {
  /** Human words for logs: "camera USB Camera (/dev/video0)". */
  label: string;
  kind: VideoSourceKind | AudioSourceKind;
  /** ffmpeg arguments up to and including `-i …`. */
  args: string[];
  /** A program whose stdout feeds ffmpeg's stdin (Raspberry Pi camera). */
  feeder?: string[];
  /** Filters to run first (test pattern overlay is added later, after rotation). */
  overlay?: boolean;
}

const LAVFI = "lavfi:";

function lavfiInput(device: string): string[] {
  const graph = device.slice(LAVFI.length);
  if (!graph) throw new ConfigError(`device "${device}" names no lavfi graph`, 'write it like "lavfi:testsrc2=size=640x480:rate=30"');
  return ["-re", "-f", "lavfi", "-i", graph];
}

export function videoSourceKind(video: Config["video"], devices: KnownDevices = {}): VideoSourceKind {
  if (video.device.startsWith(LAVFI)) return "lavfi";
  if (video.source !== "auto") return video.source as VideoSourceKind;
  if (video.device) return "v4l2";
  if (video.url) return "http";
  return devices.piCamera ? "libcamera" : "test";
}

function audioSourceKind(audio: Config["audio"]): AudioSourceKind {
  if (audio.device.startsWith(LAVFI)) return "lavfi";
  if (audio.source !== "auto") return audio.source as AudioSourceKind;
  return audio.device ? "alsa" : "test";
}

/** A camera by name or path; a missing name lists the cameras that exist. */
function resolveCamera(wanted: string, cameras: Camera[]): Camera {
  const found = findCamera(cameras, wanted);
  if (found) return found;
  if (wanted.startsWith("/dev/")) return { name: wanted, path: wanted };
  const list = cameras.map((c) => `"${c.name}" (${c.path})`).join(", ");
  throw new MediaError(`camera "${wanted}" not found; found: ${list || "no cameras"}`, "set video.device to a name from `letsrobot camera --list`, or a path such as /dev/video0");
}

/** An ALSA capture device by card name or id, as `plughw:CARD=<id>` (never by number). */
function resolveMicrophone(wanted: string, cards: SoundCard[]): { label: string; pcm: string } {
  if (/^(plughw|hw|default|sysdefault|dsnoop):?/.test(wanted)) return { label: wanted, pcm: wanted };
  const capture = cards.filter((c) => c.capture);
  const card = findSoundCard(capture, wanted);
  if (card) return { label: `${card.name} [${card.id}]`, pcm: `plughw:CARD=${card.id}` };
  const list = capture.map((c) => `"${c.name}" [${c.id}]`).join(", ");
  throw new MediaError(`microphone "${wanted}" not found; found: ${list || "no capture cards"}`, "set audio.device to a card name from `letsrobot mic --list`");
}

/** An ALSA playback device by card name or id. */
export function resolveSpeaker(wanted: string, cards: SoundCard[]): { label: string; pcm: string } {
  if (!wanted || /^(plughw|hw|default|sysdefault|dmix):?/.test(wanted)) return { label: wanted || "default", pcm: wanted || "default" };
  const playback = cards.filter((c) => c.playback);
  const card = findSoundCard(playback, wanted);
  if (card) return { label: `${card.name} [${card.id}]`, pcm: `plughw:CARD=${card.id}` };
  const list = playback.map((c) => `"${c.name}" [${c.id}]`).join(", ");
  throw new MediaError(`speaker "${wanted}" not found; found: ${list || "no playback cards"}`, "pass --speaker with a card name from `letsrobot mic --list`");
}

export function videoInput(video: Config["video"], devices: KnownDevices = {}): SourceInput {
  const size = `${video.width}x${video.height}`;
  const rate = String(video.fps);
  const kind = videoSourceKind(video, devices);
  switch (kind) {
    case "test":
      // colour bars draw no timecode of their own (testsrc/testsrc2 do, right under our clock): one clock shows
      return { kind, label: "test pattern", args: ["-re", "-f", "lavfi", "-i", `smptebars=size=${size}:rate=${rate}`], overlay: true };
    case "lavfi":
      return { kind, label: `generated ${video.device}`, args: lavfiInput(video.device) };
    case "v4l2": {
      if (!video.device) throw new ConfigError("video.source = v4l2 needs a camera", "set video.device to a name from `letsrobot camera --list`");
      const camera = resolveCamera(video.device, devices.cameras ?? []);
      const format = video.input_format ? ["-input_format", video.input_format] : [];
      return { kind, label: `camera ${camera.name} (${camera.path})`, args: ["-fflags", "nobuffer", "-threads", "1", "-f", "v4l2", ...format, "-video_size", size, "-framerate", rate, "-i", camera.path] };
    }
    case "libcamera": {
      const app = devices.piCameraApp ?? "rpicam-vid"; // same options in both; libcamera-vid is the older name
      const feeder = [app, "-t", "0", "-n", "--width", String(video.width), "--height", String(video.height), "--framerate", rate, "--codec", "yuv420", "--flush", "-o", "-"];
      return { kind, label: `Raspberry Pi camera (${app})`, feeder, args: ["-threads", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", size, "-framerate", rate, "-i", "pipe:0"] };
    }
    case "http": {
      if (!/^https?:\/\/\S+$/i.test(video.url)) {
        throw new ConfigError(`video.url must be an http:// or https:// URL, got ${JSON.stringify(video.url)}`, "set video.url to the camera's MJPEG stream, e.g. http://192.168.1.20:8080/video");
      }
      const format = video.input_format ? ["-f", video.input_format] : [];
      const shown = video.url.replace(/\/\/[^/@]*@/, "//***@");
      return { kind, label: `network camera ${shown}`, args: ["-fflags", "nobuffer", "-threads", "1", ...format, "-i", video.url] };
    }
  }
}

export function audioInput(audio: Config["audio"], devices: KnownDevices = {}): SourceInput {
  const kind = audioSourceKind(audio);
  switch (kind) {
    case "test":
      return { kind, label: "test tone", args: ["-re", "-f", "lavfi", "-i", `sine=frequency=440:beep_factor=4:sample_rate=${audio.rate}`] };
    case "lavfi":
      return { kind, label: `generated ${audio.device}`, args: lavfiInput(audio.device) };
    case "alsa": {
      if (!audio.device) throw new ConfigError("audio.source = alsa needs a microphone", "set audio.device to a card name from `letsrobot mic --list`");
      const mic = resolveMicrophone(audio.device, devices.soundCards ?? []);
      return { kind, label: `microphone ${mic.label}`, args: ["-f", "alsa", "-sample_rate", String(audio.rate), "-channels", String(audio.channels), "-i", mic.pcm] };
    }
    case "pulse":
      return { kind, label: `PulseAudio ${audio.device || "default"}`, args: ["-f", "pulse", "-i", audio.device || "default"] };
  }
}
