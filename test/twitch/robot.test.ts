/**
 * Twitch input moves the simulated robot: chat from the local IRC server, and the extension backend over
 * real HTTP, each feeding the robot's CommandExecutor (lib/robot) driving the sim driver. This is how `run`
 * and `serve` are meant to wire the Twitch library: `onCommand: (c) => executor.handle(c.command, c.keyPosition)`.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { defaults } from "../../lib/config/schema.ts";
import { planCommand } from "../../lib/hardware/driver.ts";
import { createSimDriver } from "../../lib/hardware/drivers/sim.ts";
import { createLogger } from "../../lib/log.ts";
import { realClock } from "../../lib/clock.ts";
import { CommandExecutor, type StopReason } from "../../lib/robot/executor.ts";
import { startTwitchChat } from "../../lib/twitch/chat.ts";
import { createExtensionHandler } from "../../lib/twitch/extension-http.ts";
import { twitchConfig } from "./helpers.ts";
import { type IrcTestServer, startIrcTestServer, waitFor } from "./irc-server.ts";
import { channelId, clientId, panelOrigin, secret, validToken } from "./tokens.ts";

const log = createLogger("silent");
const config = { ...defaults(), hardware: { ...defaults().hardware, drive_ms: 60, turn_ms: 60 } };

function simRobot() {
  const driver = createSimDriver(config.hardware);
  const stops = new EventEmitter();
  const applied = new EventEmitter();
  const executor = new CommandExecutor({
    // the sim driver, telling the test when an action has reached it
    driver: {
      apply: async (action) => {
        await driver.apply(action);
        applied.emit("action", action.kind);
      },
      stop: () => driver.stop(),
    },
    clock: realClock,
    plan: (command) => planCommand(command, config),
    deadmanMs: 2000,
    onStop: (reason) => stops.emit("stop", reason),
  });
  const stopped = (reason: StopReason) => waitFor<StopReason>(stops, "stop", (r) => r === reason, 5000, `a ${reason} stop`);
  const reached = (kind: string) => waitFor<string>(applied, "action", (k) => k === kind, 5000, `a ${kind} action at the driver`);
  return { driver, executor, stopped, reached };
}

let server: IrcTestServer;
beforeEach(async () => {
  server = await startIrcTestServer();
});
afterEach(() => server.close());

describe("Twitch drives the simulated robot", () => {
  test("chat: a Twitch-tagged PRIVMSG !f drives it forward for one pulse", async () => {
    const robot = simRobot();
    await robot.driver.open();
    const chat = await startTwitchChat(twitchConfig({ irc_url: server.url }), { log, onCommand: (c) => robot.executor.handle(c.command, c.keyPosition) });
    try {
      const pulseEnd = robot.stopped("pulse-end");
      server.say("robochan", { login: "viewer1", badges: "subscriber/1" }, "!f");
      await pulseEnd;
      const { pose, moving } = robot.driver.state();
      expect(moving).toBe(false);
      expect(pose?.x).toBeGreaterThan(0.005);
      expect(Math.abs(pose?.y ?? 1)).toBeLessThan(1e-9);
    } finally {
      await chat.close();
      await robot.driver.close();
    }
  });

  test("extension: hold F with a valid token drives until release; a forged token moves nothing", async () => {
    const robot = simRobot();
    await robot.driver.open();
    const handler = createExtensionHandler(twitchConfig({ extension: true, ext_secret: secret, ext_client_id: clientId, ext_channel_id: channelId }), {
      log,
      onCommand: (c) => void robot.executor.handle(c.command, c.keyPosition),
    });
    const http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (request) => (await handler(request)) ?? new Response(null, { status: 404 }) });
    const post = async (token: string, body: unknown) =>
      (await fetch(`http://127.0.0.1:${http.port}/twitch/ext/command`, { method: "POST", headers: { origin: panelOrigin, authorization: `Bearer ${token}` }, body: JSON.stringify(body) }))
        .status;
    try {
      const forged = `${(await validToken()).slice(0, -6)}AAAAAA`;
      expect(await post(forged, { command: "F", key_position: "down" })).toBe(401);
      expect(robot.driver.state().moving).toBe(false);

      const token = await validToken();
      const driving = robot.reached("drive");
      expect(await post(token, { command: "F", key_position: "down" })).toBe(200);
      await driving;
      expect(robot.driver.state().moving).toBe(true);
      const released = robot.stopped("release");
      expect(await post(token, { command: "F", key_position: "up" })).toBe(200);
      await released;
      const { pose, moving } = robot.driver.state();
      expect(moving).toBe(false);
      expect(pose?.x).toBeGreaterThan(0);
    } finally {
      http.stop(true);
      await robot.driver.close();
    }
  });
});
