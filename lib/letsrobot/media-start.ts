import type { Config } from "../config/schema.ts";
import type { Deps } from "../deps.ts";
import { startBroadcast } from "../media/broadcast.ts";
import { toBroadcastPlan } from "../media/broadcast-plan.ts";
import { scanDevices } from "../media/devices.ts";
import type { StreamTarget } from "../media/plan.ts";
import type { Uploader } from "../media/upload.ts";
import type { Endpoints } from "../platform/client.ts";
import type { RunProcess } from "../process/run.ts";
import type { RobotEvent } from "../robot/events.ts";
import { createMediaControl } from "../robot/media-adapter.ts";
import { type MediaControl, noMedia } from "../robot/media-control.ts";

export type MediaStartDeps = Pick<Deps, "log" | "env" | "shutdown"> & {
  /** How the streams reach the platform's relay (commands/run.ts wires the socket uploader). */
  upload: Uploader;
  runProcess: RunProcess;
  lookups: () => Promise<Endpoints>;
  robotName?: string;
  /** Where the broadcast's live/down changes go (`run --json` events). */
  emit?: (event: RobotEvent) => void;
};

/** The relay target from the lookups: the platform's resolution when it sets one, else the configured size. */
export function targetOf(config: Config, endpoints: Endpoints): StreamTarget {
  const fromPlatform = endpoints.settings.raw.xres !== undefined;
  return {
    relayHost: endpoints.relay.host,
    videoPort: endpoints.relay.videoPort,
    audioPort: endpoints.relay.audioPort,
    streamKey: config.platform.stream_key,
    xres: fromPlatform ? endpoints.settings.xres : config.video.width,
    yres: fromPlatform ? endpoints.settings.yres : config.video.height,
  };
}

/** Start streaming when it can work (a stream key and ffmpeg); otherwise say why and run without video. */
export async function startMedia(config: Config, endpoints: Endpoints, deps: MediaStartDeps): Promise<MediaControl> {
  if (!config.video.enabled && !config.audio.enabled) return noMedia;
  if (!config.platform.stream_key) {
    deps.log.warn("no stream key configured: running without video (set platform.stream_key or LETSROBOT_PLATFORM_STREAM_KEY)");
    return noMedia;
  }
  const ffmpeg = await deps.runProcess("ffmpeg", ["-hide_banner", "-version"], { timeoutMs: 5000 });
  if (ffmpeg.missing) {
    deps.log.warn("ffmpeg is not installed: running without video (sudo apt-get install ffmpeg)");
    return noMedia;
  }
  const devices = scanDevices(deps.env);
  const plan = toBroadcastPlan(config, devices);
  const onChange = (live: boolean, detail?: string) => deps.emit?.({ type: "broadcast", live, ingest: plan?.target.ingest.tcUrl ?? "", detail });
  const broadcast = plan && { plan, broadcaster: startBroadcast(plan.target, { log: deps.log, onChange }) };
  return createMediaControl(
    { config, target: targetOf(config, endpoints), devices, robotName: deps.robotName, resolveTarget: async () => targetOf(config, await deps.lookups()), broadcast },
    { log: deps.log, upload: deps.upload, shutdown: deps.shutdown, interactive: false },
  );
}
