import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { connectLegacySocket } from "../../lib/net/socket-client-legacy.ts";
import { ProtocolError } from "../../lib/errors.ts";
import { resolveEndpoints } from "../../lib/platform/client.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { connect, emitAck, nextEvent, startTestPlatform, tempDataDir, until } from "./helpers.ts";

const data = tempDataDir();
const opened: SocketChannel[] = [];
let platform: Platform;
let alpha: RobotCredentials;
let beta: RobotCredentials;
let gamma: RobotCredentials;
// alpha speaks socket.io 2 (query key), beta socket.io 4 (auth key)
let alphaControl: SocketChannel;
let alphaChat: SocketChannel;
let betaControl: SocketChannel;
let betaApp: SocketChannel;
let viewer: SocketChannel;
const betaCommands: unknown[] = [];

beforeAll(async () => {
  platform = await startTestPlatform(data.dir, { limits: { commandBurst: 6, commandsPerSecond: 0.5 } });
  alpha = await platform.ensureRobot({ name: "alpha", owner: "alice" });
  beta = await platform.ensureRobot({ name: "beta", owner: "bob", requireKey: false }); // lets old key-less clients in
  gamma = await platform.ensureRobot({ name: "gamma", owner: "bob", requireKey: true });
  alphaControl = await connect(connectLegacySocket, platform.url, { robot_key: alpha.robotKey }, opened);
  alphaChat = await connect(connectLegacySocket, platform.url, { robot_key: alpha.robotKey }, opened);
  betaControl = await connect(connectSocket, platform.url, { robot_key: beta.robotKey }, opened);
  betaApp = await connect(connectSocket, platform.url, { robot_key: beta.robotKey }, opened);
  betaControl.on("command_to_robot", (d) => betaCommands.push(d));
  viewer = await connect(connectSocket, platform.url, { name: "vera" }, opened);
});

afterAll(async () => {
  for (const c of opened) c.close();
  await platform.close();
  data.remove();
});

describe("lookups", () => {
  test("answer every LetsRobot lookup with both port spellings, pointing at this server", async () => {
    const get = async (path: string) => (await fetch(`${platform.url}${path}`)).json();
    expect(await get(`/get_control_host_port/${alpha.robotId}?version=2`)).toEqual({ host: "127.0.0.1", port: platform.port });
    expect(await get(`/get_chat_host_port/${alpha.robotId}`)).toEqual({ host: "127.0.0.1", port: platform.port });
    expect(await get(`/get_websocket_relay_host/${alpha.cameraId}`)).toEqual({ host: "127.0.0.1" });
    expect(await get(`/get_video_port/${alpha.cameraId}`)).toEqual({ mpeg_stream_port: platform.port, port: platform.port });
    expect(await get(`/get_audio_port/${alpha.cameraId}`)).toEqual({ audio_stream_port: platform.port, port: platform.port });
    expect(await get(`/get_robot_owner/${alpha.robotId}`)).toEqual({ owner: "alice" });
    expect(await get(`/api/v1/accounts/alice`)).toEqual({ username: "alice", moderators: [] });
    const settings = await get(`/api/v1/robots/${alpha.robotId}`);
    expect(settings).toMatchObject({ robot_name: "alpha", xres: 640, yres: 480, mic_enabled: true });
    expect(JSON.stringify(settings)).not.toContain(alpha.robotKey);
  });

  test("unknown ids are 404 with a JSON reason", async () => {
    const response = await fetch(`${platform.url}/get_control_host_port/1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "not_found" });
  });

  test("our own platform client resolves every endpoint", async () => {
    const config = merge(defaults(), { platform: { server: platform.url, robot_id: alpha.robotId, camera_id: alpha.cameraId, retries: 0 } });
    const endpoints = await resolveEndpoints(config.platform, { fetch });
    expect(endpoints.control).toEqual({ host: "127.0.0.1", port: platform.port });
    expect(endpoints.relay).toEqual({ host: "127.0.0.1", videoPort: platform.port, audioPort: platform.port });
    expect(endpoints.owner).toBe("alice");
  });

  test("without a camera id, the robot id stands in for it, and the 404 says to set platform.camera_id", async () => {
    const config = merge(defaults(), { platform: { server: platform.url, robot_id: alpha.robotId, camera_id: "", retries: 0 } });
    const failure = await resolveEndpoints(config.platform, { fetch }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProtocolError);
    expect((failure as ProtocolError).message).toContain(`/${alpha.robotId}`);
    expect((failure as ProtocolError).hint).toContain("set platform.camera_id");
    // a wrong camera id that was set is the plain 404: the hint does not claim the robot id was used
    const wrong = merge(defaults(), { platform: { server: platform.url, robot_id: alpha.robotId, camera_id: "424242", retries: 0 } });
    const plain = await resolveEndpoints(wrong.platform, { fetch }).catch((error: unknown) => error);
    expect((plain as ProtocolError).hint).toBe("check the robot id / camera id: the server does not know it");
  });

  test("healthz, and the index page lists robots with the key warning", async () => {
    expect(await (await fetch(`${platform.url}/healthz`)).json()).toEqual({ ok: true });
    const index = await (await fetch(`${platform.url}/`)).text();
    expect(index).toContain(`href="/robot/${alpha.robotId}"`);
    expect(index).toContain("accepts sockets without its robot key");
  });
});

describe("robot sockets (socket.io 2 and 4)", () => {
  test("robots identify with an acknowledgement", async () => {
    expect(await emitAck(alphaControl, "robot_id", alpha.robotId)).toMatchObject({ ok: true, robot_id: alpha.robotId, name: "alpha" });
    expect(await emitAck(alphaChat, "identify_robot_id", alpha.robotId)).toMatchObject({ ok: true });
    expect(await emitAck(betaControl, "robot_id", beta.robotId)).toMatchObject({ ok: true });
    expect(await emitAck(betaApp, "identify_robot_id", beta.robotId)).toMatchObject({ ok: true });
    const status = platform.status();
    expect(status.robots.find((r) => r.name === "alpha")).toMatchObject({ online: true, sockets: { control: 1, chat: 1, app: 0 }, keyless_sockets: 0 });
  });

  test("an unknown robot id is refused", async () => {
    expect(await emitAck(alphaControl, "robot_id", "12")).toMatchObject({ ok: false, error: "unknown_robot" });
  });

  test("a robot that requires its key cannot be impersonated by naming its id", async () => {
    const keyless = await connect(connectSocket, platform.url, undefined, opened);
    expect(await emitAck(keyless, "robot_id", gamma.robotId)).toMatchObject({ ok: false, error: "key_required" });
    const wrong = await connect(connectLegacySocket, platform.url, { robot_key: alpha.robotKey }, opened);
    expect(await emitAck(wrong, "robot_id", gamma.robotId)).toMatchObject({ ok: false, error: "bad_key" });
    expect(platform.status().robots.find((r) => r.name === "gamma")?.online).toBe(false);
    const real = await connect(connectLegacySocket, platform.url, { robot_key: gamma.robotKey }, opened);
    expect(await emitAck(real, "robot_id", gamma.robotId)).toMatchObject({ ok: true });
  });

  test("key-less identification works for robots that allow it, with a warning in status", async () => {
    const old = await connect(connectLegacySocket, platform.url, undefined, opened);
    expect(await emitAck(old, "identify_robot_id", beta.robotId)).toMatchObject({ ok: true });
    const status = platform.status();
    expect(status.robots.find((r) => r.name === "beta")?.keyless_sockets).toBe(1);
    expect(status.warnings.join("\n")).toContain("beta");
    old.close();
    await until(() => platform.status().robots.find((r) => r.name === "beta")?.keyless_sockets === 0, 3000, "key-less socket gone");
  });

  test("video status and charge state are recorded and shown in status", async () => {
    expect(await emitAck(betaApp, "send_video_status", { send_video_process_exists: true, ffmpeg_process_exists: true, camera_id: beta.cameraId })).toMatchObject({ ok: true });
    expect(await emitAck(betaApp, "charge_state", { robot_id: beta.robotId, charging: true })).toMatchObject({ ok: true });
    const robot = (await (await fetch(`${platform.url}/api/status`)).json()).robots.find((r: { name: string }) => r.name === "beta");
    expect(robot.video_status).toMatchObject({ ffmpeg_process_exists: true });
    expect(robot.charge_state).toMatchObject({ charging: true });
  });
});

describe("viewers", () => {
  test("a command reaches only the addressed robot, with the viewer's name", async () => {
    const got = nextEvent<Record<string, unknown>>(alphaControl, "command_to_robot");
    const ack = await emitAck(viewer, "command_to_robot", { robot_id: alpha.robotId, command: "F", key_position: "down", user: "mallory" });
    expect(ack).toMatchObject({ ok: true });
    expect(typeof ack.at).toBe("number");
    expect(await got).toEqual({ robot_id: alpha.robotId, command: "F", key_position: "down", user: "vera", anonymous: false });
    // a later command to beta is the first thing beta ever sees
    const toBeta = nextEvent(betaControl, "command_to_robot");
    await emitAck(viewer, "command_to_robot", { robot_id: beta.robotId, command: "B", key_position: "" });
    await toBeta;
    expect(betaCommands).toEqual([{ robot_id: beta.robotId, command: "B", key_position: "", user: "vera", anonymous: false }]);
  });

  test("chat arrives at the robot with the [robotname] prefix", async () => {
    const got = nextEvent<Record<string, unknown>>(alphaChat, "chat_message_with_name");
    const ack = await emitAck(viewer, "chat_message", { robot_id: alpha.robotId, message: "  hello\u0007 robot " });
    expect(ack).toMatchObject({ ok: true, delivered: 1 });
    const message = await got;
    expect(message).toMatchObject({ name: "vera", message: "[alpha] hello robot", robot_id: alpha.robotId, room: "alice", non_global: true, anonymous: false, _id: ack._id });
    expect(typeof message.username_color).toBe("string");
  });

  test("bad input gets a clear refusal", async () => {
    const cases: [string, unknown, string][] = [
      ["command_to_robot", "F", "invalid"],
      ["command_to_robot", { robot_id: alpha.robotId, command: "" }, "invalid"],
      ["command_to_robot", { robot_id: alpha.robotId, command: "x".repeat(65) }, "invalid"],
      ["command_to_robot", { robot_id: alpha.robotId, command: "F", key_position: "sideways" }, "invalid"],
      ["command_to_robot", { robot_id: "999", command: "F" }, "unknown_robot"],
      ["chat_message", { robot_id: alpha.robotId, message: "x".repeat(501) }, "invalid"],
      ["chat_message", { robot_id: alpha.robotId, message: " \n " }, "invalid"],
      ["chat_message", { robot_id: "999", message: "hi" }, "unknown_robot"],
      ["set_exclusive_control", { robot_id: alpha.robotId, user: "vera" }, "not_allowed"],
    ];
    for (const [event, payload, code] of cases) {
      const ack = await emitAck<{ ok: boolean; error: string; message: string }>(viewer, event, payload);
      expect([event, ack.ok, ack.error]).toEqual([event, false, code]);
      expect(ack.message.length).toBeGreaterThan(5);
    }
  });

  test("a command to a robot that is not connected is refused as robot_offline", async () => {
    const lonely = await platform.ensureRobot({ name: "lonely", owner: "lenny" });
    expect(await emitAck(viewer, "command_to_robot", { robot_id: lonely.robotId, command: "F" })).toMatchObject({ ok: false, error: "robot_offline" });
  });

  test("commands are rate-limited per user, but releases still go through", async () => {
    const spammer = await connect(connectSocket, platform.url, { name: "spammer" }, opened);
    const acks = [];
    for (let i = 0; i < 12; i++) acks.push(await emitAck<{ ok: boolean; error?: string }>(spammer, "command_to_robot", { robot_id: beta.robotId, command: "F", key_position: "down" }));
    expect(acks.filter((a) => a.ok).length).toBeLessThanOrEqual(7);
    expect(acks.some((a) => a.error === "rate_limited")).toBe(true);
    expect(await emitAck(spammer, "command_to_robot", { robot_id: beta.robotId, command: "F", key_position: "up" })).toMatchObject({ ok: true });
  });

  test("a name that belongs to an owner or a moderator cannot be taken without a token", async () => {
    const fake = await connect(connectSocket, platform.url, { name: "alice" }, opened);
    const watch = await emitAck<{ you: { name: string; anonymous: boolean; notice?: string } }>(fake, "watch_robot", { robot_id: alpha.robotId });
    expect(watch.you.anonymous).toBe(true);
    expect(watch.you.notice).toContain("owner");
    const owner = await connect(connectSocket, platform.url, { token: alpha.ownerToken }, opened);
    expect(await emitAck(owner, "set_moderators", { robot_id: alpha.robotId, moderators: ["mod1"] })).toMatchObject({ ok: true });
    expect(await (await fetch(`${platform.url}/api/v1/accounts/alice`)).json()).toEqual({ username: "alice", moderators: ["mod1"] });
    const mod = await connect(connectSocket, platform.url, { name: "MOD1" }, opened);
    const got = nextEvent<Record<string, unknown>>(alphaControl, "command_to_robot");
    await emitAck(mod, "command_to_robot", { robot_id: alpha.robotId, command: "F" });
    expect((await got).user).toMatch(/^anon-/);
  });
});

describe("owner actions", () => {
  let owner: SocketChannel;
  beforeAll(async () => {
    owner = await connect(connectLegacySocket, platform.url, { token: alpha.ownerToken }, opened);
  });

  test("the owner token makes the viewer the owner: the robot sees the owner's name", async () => {
    const got = nextEvent<Record<string, unknown>>(alphaControl, "command_to_robot");
    await emitAck(owner, "command_to_robot", { robot_id: alpha.robotId, command: "LED_ON" });
    expect(await got).toMatchObject({ user: "alice", anonymous: false });
  });

  test("exclusive control: the robot is told, others are refused, ending it lets them drive again", async () => {
    const told = nextEvent<Record<string, unknown>>(alphaChat, "exclusive_control");
    expect(await emitAck(owner, "set_exclusive_control", { robot_id: alpha.robotId, user: "carol" })).toMatchObject({ ok: true });
    expect(await told).toEqual({ status: "start", robot_id: alpha.robotId, user: "carol" });
    expect(await emitAck(viewer, "command_to_robot", { robot_id: alpha.robotId, command: "F" })).toMatchObject({ ok: false, error: "not_allowed" });
    expect(platform.status().robots.find((r) => r.name === "alpha")?.exclusive).toBe("carol");
    const ended = nextEvent<Record<string, unknown>>(alphaChat, "exclusive_control");
    await emitAck(owner, "set_exclusive_control", { robot_id: alpha.robotId, user: null });
    expect(await ended).toMatchObject({ status: "end" });
    expect(await emitAck(viewer, "command_to_robot", { robot_id: alpha.robotId, command: "F" })).toMatchObject({ ok: true });
  });

  test("the owner of one robot has no say over another", async () => {
    expect(await emitAck(owner, "set_exclusive_control", { robot_id: beta.robotId, user: "x" })).toMatchObject({ ok: false, error: "not_allowed" });
  });

  test("removing a chat message tells the robot", async () => {
    const sent = await emitAck<{ _id: string }>(viewer, "chat_message", { robot_id: alpha.robotId, message: "rude words" });
    const removed = nextEvent<Record<string, unknown>>(alphaChat, "message_removed");
    expect(await emitAck(owner, "remove_message", { robot_id: alpha.robotId, message_id: sent._id })).toMatchObject({ ok: true });
    expect(await removed).toEqual({ message_id: sent._id, robot_id: alpha.robotId });
  });

  test("settings changes are stored and announced", async () => {
    const changed = nextEvent(alphaChat, "robot_settings_changed");
    const buttons = [{ label: "Go", command: "F", keys: ["w"] }];
    expect(await emitAck(owner, "update_robot", { robot_id: alpha.robotId, settings: { xres: 320, yres: 240 }, buttons })).toMatchObject({ ok: true });
    await changed;
    expect(await (await fetch(`${platform.url}/api/v1/robots/${alpha.robotId}`)).json()).toMatchObject({ xres: 320, yres: 240, buttons });
    expect(await emitAck(owner, "update_robot", { robot_id: alpha.robotId, settings: { xres: "big" } })).toMatchObject({ ok: false, error: "invalid" });
  });
});
