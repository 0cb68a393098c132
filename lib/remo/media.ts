import type { Config } from "../config/schema.ts";
import type { KnownDevices } from "../media/sources.ts";
import type { SupervisorDeps } from "../media/supervisor.ts";
import { fetchUploader, type Uploader } from "../media/upload.ts";
import { createMediaControl } from "../robot/media-adapter.ts";
import type { MediaControl, StreamKind } from "../robot/media-control.ts";
import { transmitUrl } from "./protocol.ts";

/**
 * Video and audio for a Remo server: the same ffmpeg plans and supervisors as on LetsRobot, but each upload
 * goes to `{transmit}/transmit?name={channel_id}-{kind}` with `Authorization: Bearer {robot_key}`.
 *
 * The media layer builds LetsRobot ingest URLs and its own-socket uploader sends no extra headers, so each
 * kind gets its own supervisor with an injected uploader (fetch-based) that rewrites the URL and adds the
 * header. The price: the fetch uploader cannot see the relay's TCP acknowledgements, so a frozen Remo relay
 * is noticed by ffmpeg's stalled progress rather than within ~3 s (see docs/remo.md).
 */
export interface RemoMediaOptions {
  config: Config;
  /** Base of the upload, e.g. http://remo.tv:1567/. */
  transmit: string;
  /** The joined channel's id; undefined until the robot has joined. */
  channelId: () => string | undefined;
  robotKey: string;
  devices?: KnownDevices;
  robotName?: string;
}

/** A fetch that sends every upload to the Remo transmit URL of `kind`, with the robot key as Bearer token. */
export function remoUploader(kind: StreamKind, options: Pick<RemoMediaOptions, "transmit" | "channelId" | "robotKey">, fetchFn: typeof fetch): Uploader {
  const upload: typeof fetch = Object.assign(
    (_url: string | URL | Request, init?: RequestInit) => {
      const channel = options.channelId();
      if (!channel) return Promise.reject(new Error("not joined to a Remo channel yet"));
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${options.robotKey}`);
      return fetchFn(transmitUrl(options.transmit, channel, kind), { ...init, headers });
    },
    { preconnect: fetchFn.preconnect },
  );
  return fetchUploader(upload);
}

/** Both kinds behind one MediaControl; each operation goes to the supervisor of the kind it concerns. */
export function createRemoMedia(options: RemoMediaOptions, deps: SupervisorDeps & { fetch: typeof fetch }): MediaControl {
  const { config } = options;
  // only the host and port show (in error messages): the uploader builds the real URL
  const base = new URL(options.transmit);
  const port = Number(base.port || (base.protocol === "https:" ? 443 : 80));
  const target = { relayHost: base.hostname, videoPort: port, audioPort: port, streamKey: "", xres: config.video.width, yres: config.video.height };
  const only = (kind: StreamKind) =>
    createMediaControl(
      { config: { ...config, video: { ...config.video, enabled: kind === "video" && config.video.enabled }, audio: { ...config.audio, enabled: kind === "audio" && config.audio.enabled } }, target, devices: options.devices, robotName: options.robotName },
      { ...deps, upload: remoUploader(kind, options, deps.fetch) },
    );
  const parts: Record<StreamKind, MediaControl> = { video: only("video"), audio: only("audio") };
  return {
    status: () => ({ video: parts.video.status().video, audio: parts.audio.status().audio }),
    start: (kind) => parts[kind].start(kind),
    stop: (kind) => parts[kind].stop(kind),
    restart: (kind) => parts[kind].restart(kind),
    async update(change) {
      const video = await parts.video.update({ xres: change.xres, yres: change.yres, bitrateKbps: change.bitrateKbps });
      const audio = change.micEnabled === undefined ? [] : await parts.audio.update({ micEnabled: change.micEnabled });
      return [...video, ...audio];
    },
    close: async () => {
      await Promise.all([parts.video.close(), parts.audio.close()]);
    },
  };
}

/** A MediaControl that does nothing until the real one is attached (Remo streams need the joined channel). */
export function lateMedia(): MediaControl & { attach(real: MediaControl): void } {
  let real: MediaControl | undefined;
  return {
    attach: (media) => {
      real = media;
    },
    status: () => real?.status() ?? { video: { running: false }, audio: { running: false } },
    start: async (kind) => real?.start(kind),
    stop: async (kind) => real?.stop(kind),
    restart: async (kind) => real?.restart(kind),
    update: async (change) => (real ? real.update(change) : []),
    close: async () => real?.close(),
  };
}
