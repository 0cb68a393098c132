/**
 * What the robot loop needs from the media side: truthful status for `send_video_status`, and the
 * stream operations behind VIDON/VIDOFF, `.video …`, `.audio …`, `.mic …` and settings changes.
 * lib/robot/media-adapter.ts builds one on top of the media supervisor; `noMedia` is used when video is off.
 */
export type StreamKind = "video" | "audio";

export interface MediaStatus {
  video: { running: boolean; fps?: number };
  audio: { running: boolean };
  /** The broadcast to Twitch (or another RTMP ingest), when one is configured. */
  twitch?: { running: boolean; kbps?: number; restarts: number; last_error?: string };
}

export interface MediaControl {
  status(): MediaStatus;
  start(kind: StreamKind): Promise<void>;
  stop(kind: StreamKind): Promise<void>;
  restart(kind: StreamKind): Promise<void>;
  /** New settings (resolution, bitrate, mic); restarts only the streams they affect. */
  update(change: { xres?: number; yres?: number; bitrateKbps?: number; micEnabled?: boolean }): Promise<StreamKind[]>;
  close(): Promise<void>;
}

export const noMedia: MediaControl = {
  status: () => ({ video: { running: false }, audio: { running: false } }),
  start: async () => {},
  stop: async () => {},
  restart: async () => {},
  update: async () => [],
  close: async () => {},
};

/** The `send_video_status` payload: true only for processes that really run (old clients lied). */
export function videoStatusPayload(status: MediaStatus, cameraId: string) {
  return {
    send_video_process_exists: status.video.running,
    ffmpeg_process_exists: status.video.running || status.audio.running,
    camera_id: cameraId,
  };
}
