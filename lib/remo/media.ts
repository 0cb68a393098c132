import type { Config } from "../config/schema.ts";
import type { KnownDevices } from "../media/sources.ts";
import type { SupervisorDeps } from "../media/supervisor.ts";
import { fetchUploader, type Uploader, uploadOverSocket } from "../media/upload.ts";
import { createMediaControl } from "../robot/media-adapter.ts";
import type { MediaControl, StreamKind } from "../robot/media-control.ts";
import { transmitUrl } from "./protocol.ts";

/**
 * Video and audio for a Remo server: the same ffmpeg plans and supervisors as on LetsRobot, but each upload
 * goes to `{transmit}/transmit?name={channel_id}-{kind}` with `Authorization: Bearer {robot_key}`.
 *
 * The media layer builds LetsRobot ingest URLs, so each kind gets its own supervisor with an injected
 * uploader that sends to the Remo URL and adds the header.
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

/**
 * Every upload of `kind` goes to the Remo transmit URL with the robot key as Bearer token: over our own
 * socket for http (the relay's TCP acknowledgements are seen, so a frozen relay is noticed within seconds),
 * through `fetchFn` for https.
 */
export function remoUploader(kind: StreamKind, options: Pick<RemoMediaOptions, "transmit" | "channelId" | "robotKey">, fetchFn: typeof fetch): Uploader {
  const headers = { authorization: `Bearer ${options.robotKey}` };
  const withKey = (url: string | URL | Request, init?: RequestInit) => {
    const all = new Headers(init?.headers);
    all.set("authorization", headers.authorization);
    return fetchFn(url, { ...init, headers: all });
  };
  const overFetch = fetchUploader(Object.assign(withKey, { preconnect: fetchFn.preconnect }));
  const notJoined = fetchUploader(Object.assign(() => Promise.reject(new Error("not joined to a Remo channel yet")), { preconnect: fetchFn.preconnect }));
  return (_url, body) => {
    const channel = options.channelId();
    if (!channel) return notJoined(_url, body);
    const url = new URL(transmitUrl(options.transmit, channel, kind));
    return url.protocol === "http:" ? uploadOverSocket(url, body, { headers }) : overFetch(url, body);
  };
}

/** Both kinds behind one MediaControl; each operation goes to the supervisor of the kind it concerns. */
export function createRemoMedia(options: RemoMediaOptions, deps: Omit<SupervisorDeps, "upload"> & { fetch: typeof fetch }): MediaControl {
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
