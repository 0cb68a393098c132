import { type Config, defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import type { HardwareDriver } from "../../lib/hardware/driver.ts";
import { openDriver } from "../../lib/hardware/registry.ts";
import { createLogger } from "../../lib/log.ts";
import type { SocketChannel, SocketFactory } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { resolveEndpoints } from "../../lib/platform/client.ts";
import { realClock } from "../../lib/clock.ts";
import { noMedia } from "../../lib/robot/media-control.ts";
import type { Robot } from "../../lib/robot/core.ts";
import { startRobot } from "../../lib/letsrobot/robot.ts";
import { epochMs, waitUntil } from "./proc.ts";
import type { BenchRobot } from "./serve.ts";

/**
 * The real robot code (`startRobot`: links, handlers, executor, driver) in this process, connected to a
 * platform, with two measuring points that change nothing: the moment `command_to_robot` arrives on the
 * control socket, and the moment the driver finished applying an action.
 */
export interface MeasuredRobot {
  robot: Robot;
  config: Config;
  /** command word → epoch ms it arrived at the robot's control socket (first arrival). */
  received: Map<string, number>;
  /** Every driver call: what and when it finished (epoch ms). */
  applied: { what: string; at: number }[];
  /** Control link state changes (epoch ms). */
  links: { state: string; at: number; detail?: string }[];
  /** Wait until the control link is up (after a server restart). */
  online(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

function measuredFactory(received: Map<string, number>): SocketFactory {
  return (options) => {
    const channel: SocketChannel = connectSocket(options);
    return {
      get connected() {
        return channel.connected;
      },
      emit: (event, data, ack) => channel.emit(event, data, ack),
      on(event, handler) {
        if (event !== "command_to_robot") return channel.on(event, handler);
        channel.on(event, (data) => {
          const word = (data as { command?: unknown })?.command;
          if (typeof word === "string" && !received.has(word)) received.set(word, epochMs());
          handler(data);
        });
      },
      onState: (handler) => channel.onState(handler),
      close: () => channel.close(),
    };
  };
}

function measuredDriver(driver: HardwareDriver, applied: MeasuredRobot["applied"]): HardwareDriver {
  return {
    name: driver.name,
    open: () => driver.open(),
    async apply(action) {
      await driver.apply(action);
      applied.push({ what: action.kind === "raw" ? action.command : action.kind, at: epochMs() });
    },
    async stop() {
      await driver.stop();
      applied.push({ what: "stop", at: epochMs() });
    },
    state: () => driver.state(),
    close: () => driver.close(),
  };
}

export async function startMeasuredRobot(url: string, ids: BenchRobot, hardware: Partial<Config["hardware"]> = {}, behaviour: Partial<Config["behaviour"]> = {}): Promise<MeasuredRobot> {
  const config = merge(defaults(), {
    platform: { server: url, robot_id: ids.robotId, camera_id: ids.cameraId, robot_key: ids.robotKey, socket_version: "4", retries: 0, timeout_ms: 3000 },
    hardware: { driver: "sim", ...hardware },
    tts: { enabled: false },
    behaviour,
  } as Record<string, Record<string, unknown>>);
  const log = createLogger("silent");
  const received = new Map<string, number>();
  const applied: MeasuredRobot["applied"] = [];
  const driver = measuredDriver(await openDriver(config, { log }), applied);
  const endpoints = await resolveEndpoints(config.platform, { fetch });
  let online = false;
  const links: MeasuredRobot["links"] = [];
  const robot = startRobot(
    { config, robotId: ids.robotId, cameraId: ids.cameraId, endpoints, factory: measuredFactory(received) },
    {
      log,
      clock: realClock,
      driver,
      media: noMedia,
      relookup: () => resolveEndpoints(config.platform, { fetch }),
      fetchSettings: async () => endpoints.settings,
      emit: (event) => {
        if (event.type === "link" && event.link === "control") {
          online = event.state === "connected";
          links.push({ state: event.state, at: epochMs(), detail: event.detail });
        }
      },
    },
  );
  if (!(await waitUntil(() => online, 10_000))) {
    robot.stop();
    await driver.close();
    throw new Error("the robot did not connect to the platform within 10 s");
  }
  await Bun.sleep(200); // identified (robot_id) by the time the first command is sent
  return {
    robot,
    config,
    received,
    applied,
    links,
    online: (timeoutMs) => waitUntil(() => online, timeoutMs),
    async stop() {
      robot.stop();
      await driver.close();
    },
  };
}
