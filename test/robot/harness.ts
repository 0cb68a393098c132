import type { EventEmitter } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRobot } from "../../commands/run.ts";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createLogger } from "../../lib/log.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { connectLegacySocket } from "../../lib/net/socket-client-legacy.ts";
import { resolveEndpoints } from "../../lib/platform/client.ts";
import { realClock } from "../../lib/clock.ts";
import type { RobotEvent } from "../../lib/robot/events.ts";
import { runProcess } from "../../lib/process/run.ts";
import { noMedia } from "../../lib/robot/media-control.ts";
import type { Robot } from "../../lib/robot/core.ts";
import { startRobot } from "../../lib/letsrobot/robot.ts";
import { SpeechQueue } from "../../lib/speech/queue.ts";
import { RecordingDriver } from "./fakes.ts";
import type { RobotServer } from "./robot-server.ts";

export type TimedEvent = RobotEvent & { t: number };

/** A robot (real sockets, recording driver, in-memory speech) connected to `server`; call `robot.stop()` after. */
export async function connectRobot(server: RobotServer, options: { livenessS?: number; behaviour?: Record<string, unknown> } = {}) {
  const config = merge(defaults(), {
    platform: { server: server.url, robot_id: "100", camera_id: "100", robot_key: "sekrit-key", retries: 0, timeout_ms: 2000 },
    behaviour: { status_interval_s: 1, liveness_s: options.livenessS ?? 15, ...options.behaviour },
  });
  const driver = new RecordingDriver();
  const said: string[] = [];
  const speech = new SpeechQueue({ clock: realClock, delayMs: 0, volume: 80, say: async (t) => void said.push(t) });
  const events: TimedEvent[] = [];
  const endpoints = await resolveEndpoints(config.platform, { fetch });
  const robot: Robot = startRobot(
    { config, robotId: "100", cameraId: "100", endpoints, factory: server.version === 2 ? connectLegacySocket : connectSocket },
    {
      log: createLogger("silent"),
      clock: realClock,
      driver,
      media: noMedia,
      speech,
      relookup: () => resolveEndpoints(config.platform, { fetch }),
      fetchSettings: async () => endpoints.settings,
      emit: (e) => events.push({ ...e, t: performance.now() }),
    },
  );
  await server.waitFor((r) => r.event === "robot_id");
  await server.waitFor((r) => r.event === "identify_robot_id" && r.role === "chat");
  await server.waitFor((r) => r.event === "identify_robot_id" && r.role === "app");
  return { driver, said, events, robot, config };
}

export const command = (c: string, user: string, key = "") => ({ robot_id: "100", command: c, user, key_position: key, anonymous: false });
export const chat = (text: string, name: string, id = "m") => ({ name, message: `[bot] ${text}`, robot_id: "100", _id: id, anonymous: false });

/** Poll a condition every 10 ms (for state that has no event to wait on). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

/**
 * `run --json` in this process (video, audio and speech off unless the layer turns them on), its JSON events
 * collected; stop() aborts it like Ctrl-C and resolves (or rejects) as the run ends.
 */
export function runInProcess(layer: Record<string, Record<string, unknown>>, options: { env?: Record<string, string>; crashSource?: EventEmitter } = {}) {
  const config = merge(defaults(), { video: { enabled: false }, audio: { enabled: false }, tts: { enabled: false }, ...layer });
  const shutdown = new AbortController();
  const events: Record<string, unknown>[] = [];
  const done = runRobot(
    { config, json: true },
    {
      log: createLogger("silent"),
      out: { text: (line) => events.push(JSON.parse(line)), json: (v) => events.push(v as Record<string, unknown>) },
      env: { HOME: mkdtempSync(join(tmpdir(), "letsrobot-run-")), ...options.env },
      fetch,
      shutdown: shutdown.signal,
      interactive: false,
      runProcess,
      ...(options.crashSource ? { crashSource: options.crashSource } : {}),
    },
  );
  const stop = async () => {
    shutdown.abort("SIGINT");
    await done;
  };
  return { events, done, stop, of: (type: string) => events.filter((e) => e.type === type) };
}
