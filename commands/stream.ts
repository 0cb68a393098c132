import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import type { Config } from "../lib/config/schema.ts";
import type { Deps } from "../lib/deps.ts";
import { ConfigError, MediaError } from "../lib/errors.ts";
import { startBroadcast } from "../lib/media/broadcast.ts";
import { toBroadcastPlan } from "../lib/media/broadcast-plan.ts";
import { scanDevices } from "../lib/media/devices.ts";
import { describePlan, type StreamTarget, toStreamPlan } from "../lib/media/plan.ts";
import { superviseStreams } from "../lib/media/supervisor.ts";
import { socketUploader } from "../lib/media/upload.ts";
import { targetOf } from "../lib/letsrobot/media-start.ts";
import { resolveEndpoints } from "../lib/platform/client.ts";
import { runProcess } from "../lib/process/run.ts";
import { mediaFlags, secondsFlag } from "./args.ts";

/** Where to send: the platform's relay, at the resolution the platform asks for (else the configured size). */
async function lookupTarget(config: Config, deps: Pick<Deps, "fetch" | "log" | "shutdown">): Promise<StreamTarget & { robotName?: string; micEnabled: boolean }> {
  const endpoints = await resolveEndpoints(config.platform, { fetch: deps.fetch, log: deps.log, signal: deps.shutdown });
  const name = endpoints.settings.raw.robot_name ?? endpoints.settings.raw.name;
  return {
    ...targetOf(config, endpoints),
    robotName: typeof name === "string" ? name : config.platform.robot_id || undefined,
    micEnabled: endpoints.settings.micEnabled,
  };
}

function untilStopped(signal: AbortSignal, seconds: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = seconds ? setTimeout(done, seconds * 1000) : undefined;
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export const streamAction: Action<"stream"> = async (args, deps) => {
  const seconds = secondsFlag(args.seconds, "--seconds");
  const flags = { ...mediaFlags(args), "video.enabled": args.video === false ? "false" : undefined, "audio.enabled": args.audio === false ? "false" : undefined };
  const { config } = resolveConfig({ path: args.config, flags, env: deps.env, cwd: deps.cwd });
  const devices = scanDevices(deps.env);

  // validate the whole plan before touching the network
  const broadcast = toBroadcastPlan(config, devices);
  const placeholder = { relayHost: "relay.invalid", videoPort: 80, audioPort: 80, streamKey: config.platform.stream_key || "STREAM_KEY", xres: config.video.width, yres: config.video.height };
  const checked = toStreamPlan(config, placeholder, devices, { broadcast });
  if (args["dry-run"]) {
    let plan = checked;
    if (config.platform.server) {
      const target = await lookupTarget(config, deps);
      plan = toStreamPlan(config, target, devices, { robotName: target.robotName, broadcast });
    } else deps.out.text("# no platform.server configured: the relay address is a placeholder");
    for (const line of describePlan(plan)) deps.out.text(line);
    return;
  }
  if (!config.platform.stream_key) {
    throw new ConfigError("no stream key configured", "set platform.stream_key in letsrobot.toml, or the LETSROBOT_PLATFORM_STREAM_KEY environment variable (it is never a flag)");
  }
  const ffmpeg = await runProcess("ffmpeg", ["-hide_banner", "-version"], { timeoutMs: 5000 });
  if (ffmpeg.missing) throw new MediaError("ffmpeg not found", "install it: sudo apt-get install ffmpeg");

  const target = await lookupTarget(config, deps);
  let streamed = config;
  if (!target.micEnabled && config.audio.enabled) {
    deps.log.info("the platform has this robot's mic turned off: streaming video only");
    streamed = { ...config, audio: { ...config.audio, enabled: false } };
  }
  const plan = toStreamPlan(streamed, target, devices, { robotName: target.robotName, broadcast });
  const broadcaster = broadcast && startBroadcast(broadcast.target, { log: deps.log });
  const supervisor = superviseStreams(plan, { ...deps, upload: socketUploader, broadcaster }, { resolveTarget: () => lookupTarget(config, deps) });
  await untilStopped(deps.shutdown, seconds);
  await supervisor.stop();
  await broadcaster?.stop();
};
