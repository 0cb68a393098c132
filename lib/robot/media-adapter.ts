import type { Config } from "../config/schema.ts";
import type { KnownDevices } from "../media/sources.ts";
import type { Broadcaster } from "../media/broadcast.ts";
import type { BroadcastPlan } from "../media/broadcast-plan.ts";
import { type StreamTarget, toStreamPlan } from "../media/plan.ts";
import { formatStatusLine, type StreamStatus } from "../media/status.ts";
import { type StreamSupervisor, type SupervisorDeps, superviseStreams } from "../media/supervisor.ts";
import type { MediaControl, MediaStatus, StreamKind } from "./media-control.ts";

export interface MediaAdapterOptions {
  config: Config;
  /** Period of the one status log line covering both streams (default 10000). */
  logEveryMs?: number;
  target: StreamTarget;
  devices?: KnownDevices;
  robotName?: string;
  /** Fresh relay address after repeated failures (the supervisor calls it). */
  resolveTarget?: () => Promise<StreamTarget>;
  /** The broadcast both streams also feed (stopped by close()). */
  broadcast?: { plan: BroadcastPlan; broadcaster: Broadcaster };
}

/**
 * MediaControl on top of the media supervisor. Video and audio each get their own supervisor, so stopping
 * the mic or changing the resolution restarts only the stream concerned.
 */
export function createMediaControl(options: MediaAdapterOptions, deps: SupervisorDeps): MediaControl {
  let config = options.config;
  let target = options.target;
  const wanted: Record<StreamKind, boolean> = { video: config.video.enabled, audio: config.audio.enabled };
  const running: Partial<Record<StreamKind, StreamSupervisor>> = {};

  const planFor = (kind: StreamKind) =>
    toStreamPlan(
      { ...config, video: { ...config.video, enabled: kind === "video" }, audio: { ...config.audio, enabled: kind === "audio" } },
      target,
      options.devices,
      { robotName: options.robotName, broadcast: options.broadcast?.plan },
    );

  async function stop(kind: StreamKind): Promise<void> {
    const supervisor = running[kind];
    running[kind] = undefined;
    await supervisor?.stop();
  }

  function start(kind: StreamKind): void {
    if (running[kind]) return;
    const plan = planFor(kind); // throws ConfigError/MediaError for a bad device before anything runs
    running[kind] = superviseStreams(plan, { ...deps, broadcaster: options.broadcast?.broadcaster }, {
      logEveryMs: 0, // the two supervisors would each call the other stream "off": one line below covers both
      resolveTarget: options.resolveTarget
        ? async () => {
            target = { ...(await options.resolveTarget!()), xres: target.xres, yres: target.yres };
            return target;
          }
        : undefined,
    });
  }

  for (const kind of ["video", "audio"] as const) if (wanted[kind]) start(kind);
  const statusOf = (kind: StreamKind): StreamStatus => running[kind]?.status()[kind] ?? { running: false, restarts: 0, disabled: true };
  const tagged = deps.log.withTag("stream");
  const report = setInterval(() => tagged.info(formatStatusLine({ video: statusOf("video"), audio: statusOf("audio"), broadcast: options.broadcast?.broadcaster.status() })), options.logEveryMs ?? 10000);

  return {
    status(): MediaStatus {
      const video = statusOf("video");
      const status: MediaStatus = { video: { running: video.running, fps: video.fps }, audio: { running: statusOf("audio").running } };
      const cast = options.broadcast?.broadcaster.status();
      if (cast) status.twitch = { running: cast.running, kbps: cast.kbps, restarts: cast.restarts, last_error: cast.lastError };
      return status;
    },
    async start(kind) {
      wanted[kind] = true;
      start(kind);
    },
    async stop(kind) {
      wanted[kind] = false;
      await stop(kind);
    },
    async restart(kind) {
      if (running[kind]) running[kind]?.restart(kind);
      else if (wanted[kind]) start(kind);
    },
    async update(change) {
      const restart: StreamKind[] = [];
      if ((change.xres !== undefined && change.xres !== target.xres) || (change.yres !== undefined && change.yres !== target.yres)) {
        target = { ...target, xres: change.xres ?? target.xres, yres: change.yres ?? target.yres };
        restart.push("video");
      }
      if (change.bitrateKbps !== undefined && change.bitrateKbps !== config.video.bitrate_kbps) {
        config = { ...config, video: { ...config.video, bitrate_kbps: change.bitrateKbps } };
        if (!restart.includes("video")) restart.push("video");
      }
      if (change.micEnabled !== undefined && change.micEnabled !== wanted.audio) {
        wanted.audio = change.micEnabled;
        restart.push("audio");
      }
      for (const kind of restart) {
        await stop(kind);
        if (wanted[kind]) start(kind);
      }
      return restart;
    },
    async close() {
      clearInterval(report);
      await Promise.all([stop("video"), stop("audio")]);
      await options.broadcast?.broadcaster.stop();
    },
  };
}
