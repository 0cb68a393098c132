import type { Config } from "../config/schema.ts";
import type { Deps } from "../deps.ts";
import { LetsrobotError } from "../errors.ts";
import { terminalQr } from "../qr.ts";
import { openDriver } from "../hardware/registry.ts";
import { connectSocket } from "../net/socket-client.ts";
import { connectLegacySocket } from "../net/socket-client-legacy.ts";
import { probeSocket } from "../net/handshake.ts";
import type { SocketFactory } from "../net/channel.ts";
import { type Endpoints, requireIds, resolveEndpoints } from "../platform/client.ts";
import { normaliseSettings } from "../platform/lookups.ts";
import { getJson } from "../platform/http.ts";
import type { RunProcess } from "../process/run.ts";
import { type Clock, realClock } from "./clock.ts";
import { type Embedded, startEmbedded } from "./embedded.ts";
import { describeEvent, isWarning, type RobotEvent } from "./events.ts";
import type { StopReason } from "./executor.ts";
import { type CrashSource, installCrashStop, Lifecycle } from "./lifecycle.ts";
import { startMedia } from "./media-start.ts";
import { startMonitor } from "./monitor.ts";
import { startSpeech } from "./speech-start.ts";
import { startRobot } from "./robot.ts";

export interface RunRequest {
  config: Config;
  /** One JSON event per line on stdout instead of log lines. */
  json: boolean;
}

export type RunDeps = Pick<Deps, "log" | "out" | "env" | "fetch" | "shutdown" | "interactive" | "statusLine" | "lastStops"> & {
  runProcess: RunProcess;
  clock?: Clock;
  /** Where uncaught errors are caught to stop the motors (the real process in `run`). */
  crashSource?: CrashSource;
};

/** socket.io 2.x or 4.x client: as configured, or asked from the control server. */
async function chooseFactory(config: Config, endpoints: Endpoints, deps: Pick<RunDeps, "fetch" | "log">): Promise<SocketFactory> {
  const version = config.platform.socket_version;
  if (version === "2") return connectLegacySocket;
  if (version === "4") return connectSocket;
  const probe = await probeSocket(endpoints.control, { fetch: deps.fetch, timeoutMs: config.platform.timeout_ms });
  const legacy = probe.ok && !probe.engineIo.includes(4) && probe.engineIo.includes(3);
  deps.log.debug(`control server speaks Engine.IO ${probe.engineIo.join("+") || "?"}: using the socket.io ${legacy ? "2.x" : "4.x"} client`);
  return legacy ? connectLegacySocket : connectSocket;
}

function waitForStop(signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(String(signal.reason ?? "stop"));
    signal.addEventListener("abort", () => resolve(String(signal.reason ?? "stop")), { once: true });
  });
}

/**
 * `letsrobot run`: bring the robot up (embedded platform when none is configured), keep it up until
 * shutdown, then take everything down in reverse order. Throws LetsrobotErrors for user mistakes.
 */
export async function runRobot(request: RunRequest, deps: RunDeps): Promise<void> {
  if (request.config.platform.protocol === "remo") {
    const { runRemoRobot } = await import("../remo/run.ts");
    return runRemoRobot(request, deps);
  }
  const log = deps.log;
  const clock = deps.clock ?? realClock;
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
    let config = request.config;
    let embedded: Embedded | undefined;
    if (!config.platform.server) {
      embedded = await startEmbedded(config, { log, env: deps.env });
      life.add("local platform", () => embedded?.close());
      config = embedded.config;
    }
    const ids = requireIds(config.platform);
    const lookups = () => resolveEndpoints(config.platform, { fetch: deps.fetch, log, signal: stop.signal });
    const endpoints = await lookups();
    // Re-lookups happen while reconnecting: one try each, the link's own backoff paces the retries.
    const relookup = () => resolveEndpoints({ ...config.platform, retries: 0 }, { fetch: deps.fetch, signal: stop.signal });
    const factory = await chooseFactory(config, endpoints, { fetch: deps.fetch, log });

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

    const media = await startMedia(config, endpoints, { ...deps, log, lookups: relookup, robotName: embedded?.robot.name, emit });
    life.add("media", () => media.close());

    const settingsUrl = new URL(`/api/v1/robots/${encodeURIComponent(ids.robotId)}`, endpoints.info).toString();
    const robot = startRobot(
      { config, robotId: ids.robotId, cameraId: ids.cameraId, endpoints, factory },
      {
        log,
        clock,
        driver,
        media,
        speech: speech.queue,
        speechOff: speech.off,
        relookup,
        fetchSettings: async () => normaliseSettings(await getJson(settingsUrl, { fetch: deps.fetch, timeoutMs: config.platform.timeout_ms, retries: 1 })),
        emit,
      },
    );
    life.add("robot sockets", () => robot.stop());
    haltMotors = (reason) => robot.executor.halt(reason);

    await startMonitor(robot.status, config, { log, clock, env: deps.env, runProcess: deps.runProcess, emit, statusLine: deps.interactive && !request.json ? deps.statusLine : undefined }, life);
    emit({ type: "online", robot_id: ids.robotId, viewer_url: embedded?.viewerUrl });
    if (embedded && !request.json) {
      for (const url of embedded.viewerUrls) deps.out.text(url);
      // a secret: shown on a terminal, never written to a pipe or a journal
      deps.out.text(deps.interactive ? `owner: ${embedded.ownerUrl}` : `owner: the owner link is owner_url in ${embedded.keysFile}`);
      if (deps.interactive) deps.out.text(terminalQr(embedded.viewerUrl));
      log.success("your robot is live: open the first link above to drive it (the owner link signs you in as the owner; keep it private)");
    } else if (embedded) {
      deps.out.text(JSON.stringify(deps.interactive ? { type: "owner_url", owner_url: embedded.ownerUrl } : { type: "owner_url", file: embedded.keysFile }));
    }
    const reason = await waitForStop(stop.signal);
    emit({ type: "shutdown", reason });
  } finally {
    deps.shutdown.removeEventListener("abort", onShutdown);
    await life.close();
  }
  if (crash !== undefined) {
    throw new LetsrobotError(`the robot stopped after an unexpected error: ${crash instanceof Error ? crash.message : String(crash)}`, "this is a bug in letsrobot; run again with --verbose and report the output", { cause: crash });
  }
}
