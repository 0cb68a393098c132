/**
 * Twitch through `serve`: chat from the local IRC test server and the extension backend on serve's own HTTP
 * port both reach a robot connected to the platform as viewer-style `command_to_robot` events, and drive
 * the simulated robot (lib/robot's startRobot with the sim driver) end to end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { defaults } from "../../lib/config/schema.ts";
import { ConfigError } from "../../lib/errors.ts";
import { merge } from "../../lib/config/validate.ts";
import { createSimDriver } from "../../lib/hardware/drivers/sim.ts";
import { createLogger } from "../../lib/log.ts";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { resolveEndpoints } from "../../lib/platform/client.ts";
import { realClock } from "../../lib/clock.ts";
import type { RobotEvent } from "../../lib/robot/events.ts";
import { noMedia } from "../../lib/robot/media-control.ts";
import { startRobot } from "../../lib/letsrobot/robot.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import type { RobotRecord } from "../../lib/server/store/robot-record.ts";
import { twitchRobot } from "../../lib/server/twitch.ts";
import { twitchConfig } from "../twitch/helpers.ts";
import { type IrcTestServer, startIrcTestServer, waitFor } from "../twitch/irc-server.ts";
import { channelId, clientId, panelOrigin, secret, sign, validToken, viewerClaims } from "../twitch/tokens.ts";
import { connect, emitAck, nextEvent, startTestPlatform, tempDataDir, until } from "./helpers.ts";

const data = tempDataDir();
const opened: SocketChannel[] = [];
let irc: IrcTestServer;
let platform: Platform;
let rover: RobotCredentials;

beforeAll(async () => {
  irc = await startIrcTestServer();
  platform = await startTestPlatform(data.dir, {
    twitch: twitchConfig({
      irc_url: irc.url,
      user_cooldown_ms: 0,
      extension: true,
      ext_secret: secret,
      ext_client_id: clientId,
      ext_channel_id: channelId,
    }),
    twitchChatTuning: { backoff: { baseMs: 50, capMs: 200, jitter: 0 } },
  });
  rover = await platform.ensureRobot({ name: "rover", owner: "ann" });
  await irc.waitForJoins(1);
});

afterAll(async () => {
  for (const c of opened) c.close();
  await platform.close();
  await irc.close();
  data.remove();
});

/** A robot control socket, identified. */
async function controlSocket(): Promise<SocketChannel> {
  const socket = await connect(connectSocket, platform.url, { robot_key: rover.robotKey }, opened);
  expect(await emitAck(socket, "robot_id", rover.robotId)).toMatchObject({ ok: true });
  return socket;
}

const ext = (path: string, init: RequestInit = {}) => fetch(`${platform.url}/twitch/ext${path}`, { ...init, headers: { origin: panelOrigin, ...init.headers } });
const press = (token: string, body: unknown) =>
  ext("/command", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("Twitch chat in serve", () => {
  test("a tagged PRIVMSG #robochan :!f reaches the robot socket as command_to_robot F", async () => {
    const socket = await controlSocket();
    try {
      const got = nextEvent<Record<string, unknown>>(socket, "command_to_robot");
      irc.say("robochan", { login: "viewer1", displayName: "Viewer1", badges: "subscriber/1" }, "!f");
      expect(await got).toEqual({ robot_id: rover.robotId, command: "F", key_position: "", user: "twitch:Viewer1", anonymous: false });
    } finally {
      socket.close();
    }
  });

  test("!f drives the simulated robot connected through serve's lookups", async () => {
    const config = merge(defaults(), {
      platform: { server: platform.url, robot_id: rover.robotId, camera_id: rover.cameraId, robot_key: rover.robotKey, retries: 0, timeout_ms: 2000 },
      hardware: { drive_ms: 60, turn_ms: 60 },
    });
    const driver = createSimDriver(config.hardware);
    await driver.open();
    const events = new EventEmitter();
    const endpoints = await resolveEndpoints(config.platform, { fetch });
    const robot = startRobot(
      { config, robotId: rover.robotId, cameraId: rover.cameraId, endpoints, factory: connectSocket },
      {
        log: createLogger("silent"),
        clock: realClock,
        driver,
        media: noMedia,
        relookup: () => resolveEndpoints(config.platform, { fetch }),
        fetchSettings: async () => endpoints.settings,
        emit: (e) => events.emit("event", e),
      },
    );
    try {
      // the robot has no event for "identified": serve's status tells when its control socket counts
      await until(() => platform.status().robots.some((r) => r.robot_id === rover.robotId && r.sockets.control > 0), 5000, "the control socket identified");
      const pulseEnd = waitFor<RobotEvent>(events, "event", (e) => e.type === "stop" && e.reason === "pulse-end", 5000, "the end of the F pulse");
      irc.say("robochan", { login: "viewer2" }, "!forward");
      await pulseEnd;
      const { pose, moving } = driver.state();
      expect(moving).toBe(false);
      expect(pose?.x).toBeGreaterThan(0.005);
      expect(robot.status().last_command).toMatchObject({ command: "F", user: "twitch:viewer2" });
    } finally {
      robot.stop();
      await driver.close();
    }
  }, 15_000);
});

describe("Twitch extension backend on serve's HTTP port", () => {
  test("a CORS preflight from the panel's origin gets the CORS headers; another origin gets 403", async () => {
    const ok = await ext("/command", { method: "OPTIONS", headers: { "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(panelOrigin);
    expect(ok.headers.get("access-control-allow-methods")).toContain("POST");
    expect(ok.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(ok.headers.get("vary")).toContain("Origin");
    const other = await ext("/command", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("forged and expired tokens get 401 and move nothing; a valid one reaches the robot", async () => {
    const socket = await controlSocket();
    const commands: unknown[] = [];
    socket.on("command_to_robot", (d) => commands.push(d));
    try {
      const forged = await sign({ alg: "HS256", typ: "JWT" }, viewerClaims(), Buffer.from("not-the-extension-secret-at-all!").toString("base64"));
      const forgedAnswer = await press(forged, { command: "F", key_position: "down" });
      expect(forgedAnswer.status).toBe(401);
      expect(await forgedAnswer.json()).toMatchObject({ ok: false, error: "bad_signature" });
      const expired = await validToken({ exp: Math.floor(Date.now() / 1000) - 60 });
      const expiredAnswer = await press(expired, { command: "F", key_position: "down" });
      expect(expiredAnswer.status).toBe(401);
      expect(await expiredAnswer.json()).toMatchObject({ ok: false, error: "expired" });

      const got = nextEvent<Record<string, unknown>>(socket, "command_to_robot");
      const valid = await press(await validToken(), { command: "F", key_position: "down" });
      expect(valid.status).toBe(200);
      expect(valid.headers.get("access-control-allow-origin")).toBe(panelOrigin);
      expect(await got).toEqual({ robot_id: rover.robotId, command: "F", key_position: "down", user: "twitch:U12345", anonymous: false });
      expect(commands).toHaveLength(1);
    } finally {
      socket.close();
    }
  });

  test("with the robot offline a valid command is refused with 503 robot_unavailable", async () => {
    await until(() => platform.status().robots.every((r) => !r.online), 5000, "the robot offline");
    const answer = await press(await validToken({ opaque_user_id: "U999" }), { command: "L", key_position: "" });
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ ok: false, error: "robot_unavailable" });
  });

  test("an incomplete [twitch] section stops serve from starting, naming the key", async () => {
    const other = tempDataDir();
    try {
      const error = await startTestPlatform(other.dir, { twitch: twitchConfig({ chat: false, extension: true, ext_client_id: clientId, ext_channel_id: channelId }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain("twitch.ext_secret");
    } finally {
      other.remove();
    }
  });

  test("other paths still go to the platform's own routes", async () => {
    expect(await (await fetch(`${platform.url}/healthz`)).json()).toEqual({ ok: true });
  });
});

describe("which robot Twitch drives", () => {
  const record = (id: string, name: string) => ({ id, name }) as RobotRecord;
  test.each([
    ["the only robot", "", [record("1", "solo")], "solo"],
    ["twitch.robot_id among several", "2", [record("1", "a"), record("2", "b")], "b"],
    ["twitch.robot_id unknown", "9", [record("1", "a")], /twitch.robot_id 9 is not a robot/],
    ["several robots, no robot_id", "", [record("1", "a"), record("2", "b")], /set twitch.robot_id/],
    ["no robot yet", "", [], /no robot on this server yet/],
  ])("%s", (_name, robotId, robots, expected) => {
    const pick = () => twitchRobot(twitchConfig({ robot_id: robotId }), robots).name;
    if (typeof expected === "string") expect(pick()).toBe(expected);
    else expect(pick).toThrow(expected);
  });
});
