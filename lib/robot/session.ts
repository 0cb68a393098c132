import type { Config } from "../config/schema.ts";
import { type Deps, systemRoots } from "../deps.ts";
import { LetsrobotError } from "../errors.ts";
import { openDriver } from "../hardware/registry.ts";
import type { RunProcess } from "../process/run.ts";
import { type Clock, realClock } from "../clock.ts";
import type { Connector } from "./connector.ts";
import { connectedRobot, startCore } from "./core.ts";
import { describeEvent, isWarning, type RobotEvent } from "./events.ts";
import type { StopReason } from "./executor.ts";
import { type CrashSource, installCrashStop, Lifecycle } from "../process/lifecycle.ts";
import { startMonitor } from "./monitor.ts";
import { startSpeech } from "./speech-start.ts";

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

function waitForStop(signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(String(signal.reason ?? "stop"));
    signal.addEventListener("abort", () => resolve(String(signal.reason ?? "stop")), { once: true });
  });
}

/**
 * `letsrobot run`: bring the robot up on the platform its connector speaks, keep it up until shutdown, then
 * take everything down in reverse order. Throws LetsrobotErrors for user mistakes.
 */
export async function runSession(request: RunRequest, deps: RunDeps, connector: Connector): Promise<void> {
  const log = deps.log;
  const clock = deps.clock ?? realClock;
  const life = new Lifecycle(log);
  const stop = new AbortController();
  const onShutdown = () => stop.abort(deps.shutdown.reason ?? "SIGINT");
  deps.shutdown.addEventListener("abort", onShutdown, { once: true });
  let crash: unknown;
  let say: ((text: string) => void) | undefined;
  const emit = (event: RobotEvent) => {
    if (request.json) deps.out.text(JSON.stringify({ at: new Date().toISOString(), ...event }));
    else {
      const line = describeEvent(event);
      if (line) (isWarning(event) ? log.warn : log.info)(line);
    }
    if (event.type === "chat_command") say?.(event.reply);
  };
  try {
    const platform = await connector.open({ log, clock, emit, signal: stop.signal, life });
    const config = platform.config;

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

    const speech = await startSpeech(config, { runProcess: deps.runProcess, log, clock, procRoot: systemRoots(deps.env).proc, emit }, life);

    const media = await platform.startMedia();
    life.add("media", () => media.close());

    const core = startCore(platform, { log, clock, driver, media, speech: speech.queue, speechOff: speech.off, emit });
    const connection = platform.connect(core);
    say = connection.say?.bind(connection);
    const robot = connectedRobot(core, connection);
    life.add(`${connector.name} sockets`, () => robot.stop());
    haltMotors = (reason) => robot.executor.halt(reason);

    await startMonitor(robot.status, config, { log, clock, env: deps.env, runProcess: deps.runProcess, emit, statusLine: deps.interactive && !request.json ? deps.statusLine : undefined }, life);
    platform.announce?.();
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
