import { ConfigError, LetsrobotError } from "../errors.ts";
import { openDriver } from "../hardware/registry.ts";
import { scanDevices } from "../media/devices.ts";
import { type Clock, realClock } from "../robot/clock.ts";
import { describeEvent, isWarning, type RobotEvent } from "../robot/events.ts";
import type { StopReason } from "../robot/executor.ts";
import { installCrashStop, Lifecycle } from "../robot/lifecycle.ts";
import type { RunDeps, RunRequest } from "../robot/session.ts";
import { startMonitor } from "../robot/monitor.ts";
import { startSpeech } from "../robot/speech-start.ts";
import { lookupChannels, remoEndpoints } from "./endpoints.ts";
import { createRemoMedia, lateMedia } from "./media.ts";
import { startRemoRobot } from "./robot.ts";
import { connectFrameSocket, type FrameSocketFactory } from "./socket.ts";

/**
 * `letsrobot run` with `platform.protocol = "remo"`: the same driver, speech, executor and chat path as on
 * LetsRobot, connected through one Remo socket. Streams start once the robot has joined its channel (the
 * upload URL names the channel). Everything is undone in reverse order on shutdown, as in lib/robot/session.ts.
 */
export async function runRemoRobot(request: RunRequest, deps: RunDeps & { frameSockets?: FrameSocketFactory }): Promise<void> {
  const { config } = request;
  const log = deps.log;
  const clock: Clock = deps.clock ?? realClock;
  if (!config.platform.server) throw new ConfigError("platform.protocol = remo needs platform.server (the Remo server's URL)", "set platform.server, e.g. https://remo.tv, or use protocol = letsrobot for the local platform");
  if (!config.platform.robot_key) throw new ConfigError("platform.protocol = remo needs platform.robot_key (the robot's API key from the Remo site)", "put robot_key in letsrobot.toml (mode 600) or LETSROBOT_PLATFORM_ROBOT_KEY");
  const endpoints = remoEndpoints(config.platform);
  const life = new Lifecycle(log);
  const stop = new AbortController();
  const onShutdown = () => stop.abort(deps.shutdown.reason ?? "SIGINT");
  deps.shutdown.addEventListener("abort", onShutdown, { once: true });
  let crash: unknown;
  const emit = (event: RobotEvent) => {
    if (request.json) deps.out.text(JSON.stringify({ at: new Date().toISOString(), ...event }));
    else {
      const line = describeEvent(event);
      if (line) (isWarning(event) ? log.warn : log.info)(line);
    }
  };
  try {
    const driver = await openDriver(config, { log });
    life.add("hardware driver", () => driver.close());
    let haltMotors: (reason: StopReason) => Promise<unknown> = () => driver.stop().catch(() => {});
    // a second Ctrl-C exits without waiting for the shutdown below, but not before the driver took a stop
    if (deps.lastStops) life.add("last stop", deps.lastStops.add(() => haltMotors("shutdown")));
    if (deps.crashSource) {
      const uninstall = installCrashStop(deps.crashSource, (error) => {
        void haltMotors("crash");
        crash ??= error;
        log.error(`unexpected error: ${error instanceof Error ? error.message : String(error)}; motors stopped, shutting down`);
        stop.abort("crash");
      });
      life.add("crash guard", uninstall);
    }
    const speech = await startSpeech(config, { runProcess: deps.runProcess, log, clock, procRoot: deps.env.LETSROBOT_PROC_ROOT, emit }, life);

    const media = lateMedia();
    let online = false;
    life.add("media", () => media.close());
    const robot = startRemoRobot(
      {
        config,
        endpoints,
        factory: deps.frameSockets ?? connectFrameSocket,
        lookupChannels: (host) => lookupChannels(endpoints.api, host, { fetch: deps.fetch, timeoutMs: config.platform.timeout_ms, signal: stop.signal }),
      },
      {
        log,
        clock,
        driver,
        media,
        speech: speech.queue,
        speechOff: speech.off,
        emit,
        onJoined: (joined) => {
          if (online) return;
          online = true;
          emit({ type: "online", robot_id: joined.id });
          log.success(`joined Remo channel ${joined.channel.name || joined.channel.id} on ${joined.host}`);
          if (!config.video.enabled && !config.audio.enabled) return;
          try {
            const devices = scanDevices(deps.env);
            const where = { transmit: endpoints.transmit, channelId: () => robot.where()?.channel.id, robotKey: config.platform.robot_key, devices };
            media.attach(createRemoMedia({ config, ...where }, { log, fetch: deps.fetch, shutdown: deps.shutdown, interactive: false }));
          } catch (error) {
            log.warn(`running without video: ${(error as Error).message}`);
          }
        },
      },
    );
    life.add("Remo socket", () => robot.stop());
    haltMotors = (reason) => robot.executor.halt(reason);

    await startMonitor(robot.status, config, { log, clock, env: deps.env, runProcess: deps.runProcess, emit, statusLine: deps.interactive && !request.json ? deps.statusLine : undefined }, life);
    const reason = await new Promise<string>((resolve) => {
      if (stop.signal.aborted) return resolve(String(stop.signal.reason ?? "stop"));
      stop.signal.addEventListener("abort", () => resolve(String(stop.signal.reason ?? "stop")), { once: true });
    });
    emit({ type: "shutdown", reason });
  } finally {
    deps.shutdown.removeEventListener("abort", onShutdown);
    await life.close();
  }
  if (crash !== undefined) {
    throw new LetsrobotError(`the robot stopped after an unexpected error: ${crash instanceof Error ? crash.message : String(crash)}`, "this is a bug in letsrobot; run again with --verbose and report the output", { cause: crash });
  }
}
