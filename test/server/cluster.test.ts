/**
 * Scale-out: two `letsrobot serve` processes (spawned from source) share one real redis-server and one data
 * dir. The robot connects to process A, viewers to process B (and A): commands, chat, state and exclusive
 * control cross processes, and killing B costs A none of its robot connections.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { connectLegacySocket } from "../../lib/net/socket-client-legacy.ts";
import type { PlatformStatus } from "../../lib/server/platform.ts";
import type { RobotSecrets } from "../../lib/server/store/store.ts";
import { openStore } from "../../lib/server/store/store.ts";
import { type IrcTestServer, startIrcTestServer } from "../twitch/irc-server.ts";
import { pushTestStream } from "./ffmpeg.ts";
import { type RedisServer, type ServeProcess, spawnServe, startRedis } from "./cluster-helpers.ts";
import { connect, emitAck, nextEvent, tempDataDir, until } from "./helpers.ts";

const data = tempDataDir();
const opened: SocketChannel[] = [];
let redis: RedisServer;
let irc: IrcTestServer;
let a: ServeProcess;
let b: ServeProcess;
let robot: { id: string; cameraId: string } & RobotSecrets;
let control: SocketChannel;
let chat: SocketChannel;
const robotDisconnects: string[] = [];

const status = async (p: ServeProcess): Promise<PlatformStatus> => (await fetch(`${p.url}/api/status`)).json() as Promise<PlatformStatus>;
const robotOn = async (p: ServeProcess) => (await status(p)).robots.find((r) => r.robot_id === robot.id);

beforeAll(async () => {
  redis = await startRedis();
  // robots, keys and settings live in the one SQLite file every process opens
  const store = openStore(data.dir);
  const made = store.ensureRobot({ name: "rover", owner: "ann" });
  store.close();
  robot = { id: made.robot.id, cameraId: made.robot.cameraId, ...made.secrets };
  irc = await startIrcTestServer();
  // both processes are told to read Twitch chat: only the lease holder does
  const env = (node: string) => ({
    LETSROBOT_SERVER_REDIS_URL: redis.url,
    LETSROBOT_SERVER_NODE_ID: node,
    LETSROBOT_TWITCH_CHAT: "true",
    LETSROBOT_TWITCH_CHANNEL: "robochan",
    LETSROBOT_TWITCH_IRC_URL: irc.url,
    LETSROBOT_TWITCH_USER_COOLDOWN_MS: "0",
    LETSROBOT_TWITCH_ROBOT_ID: robot.id,
  });
  // B first, so B holds the Twitch chat lease and killing it later shows A taking over
  b = await spawnServe(data.dir, env("node-b"));
  await b.waitForLog(/holds the Twitch chat lease/);
  a = await spawnServe(data.dir, env("node-a"));
  await Promise.all([a.waitForLog(/node-b (joined|is up)/), b.waitForLog(/node-a (joined|is up)/)]);
  // the robot: a socket.io 2 control socket and a socket.io 4 chat socket, both on A
  control = await connect(connectLegacySocket, a.url, { robot_key: robot.robotKey }, opened);
  chat = await connect(connectSocket, a.url, { robot_key: robot.robotKey, role: "chat" }, opened);
  for (const [name, socket] of [["control", control], ["chat", chat]] as const) socket.onState((state) => state === "disconnect" && robotDisconnects.push(name));
  expect(await emitAck(control, "robot_id", robot.id)).toMatchObject({ ok: true });
  expect(await emitAck(chat, "identify_robot_id", robot.id)).toMatchObject({ ok: true });
}, 30_000);

afterAll(async () => {
  if (process.env.DEBUG_CLUSTER) console.log("A:\n" + a?.log() + "\nB:\n" + b?.log());
  for (const c of opened) c.close();
  await Promise.all([a, b].map((p) => p?.stop()));
  await redis?.stop();
  await irc?.close();
  data.remove();
});

describe("two serve processes on one Redis", () => {
  test("B sees the robot connected to A as online, with its sockets", async () => {
    // online comes with the control socket; the chat socket identifies a moment later (on a loaded machine, later still)
    await until(async () => (await robotOn(b))?.online === true && (await robotOn(b))?.sockets.chat === 1, 5000, "robot online on B, chat socket counted");
    expect((await robotOn(b))?.sockets).toEqual({ control: 1, chat: 1, app: 0 });
    // A and B answer the lookups for it from the shared database
    expect(await (await fetch(`${b.url}/get_robot_owner/${robot.id}`)).json()).toEqual({ owner: "ann" });
  }, 15_000);

  test("a robot added while both run (serve robot add) is known to both at once", async () => {
    const store = openStore(data.dir);
    // another owner: adding a robot renews its owner's token, which later tests use for ann
    const { robot: second } = store.ensureRobot({ name: "second", owner: "bob" });
    store.close();
    for (const p of [a, b]) {
      expect(await (await fetch(`${p.url}/get_control_host_port/${second.id}`)).json()).toMatchObject({ host: "127.0.0.1" });
      expect((await status(p)).robots.map((r) => r.name).sort()).toEqual(["rover", "second"]);
    }
  }, 15_000);

  test("a command sent to B reaches the robot on A; chat flows B → A and A → B", async () => {
    const vera = await connect(connectSocket, b.url, { name: "vera" }, opened);
    const walt = await connect(connectSocket, a.url, { name: "walt" }, opened);
    expect(await emitAck(vera, "watch_robot", { robot_id: robot.id })).toMatchObject({ ok: true });
    expect(await emitAck(walt, "watch_robot", { robot_id: robot.id })).toMatchObject({ ok: true });
    await until(async () => (await robotOn(a))?.viewers === 2 && (await robotOn(b))?.viewers === 2, 5000, "two viewers counted on both");

    const command = nextEvent<Record<string, unknown>>(control, "command_to_robot");
    expect(await emitAck(vera, "command_to_robot", { robot_id: robot.id, command: "F", key_position: "down" })).toMatchObject({ ok: true });
    expect(await command).toEqual({ robot_id: robot.id, command: "F", key_position: "down", user: "vera", anonymous: false });

    // vera's chat on B: the robot's chat socket on A and walt on A get it; the ack counts the robot on A
    const atRobot = nextEvent<Record<string, unknown>>(chat, "chat_message_with_name");
    const atWalt = nextEvent<Record<string, unknown>>(walt, "chat_message_with_name");
    const ack = await emitAck(vera, "chat_message", { robot_id: robot.id, message: "hello from B" });
    expect(ack).toMatchObject({ ok: true, delivered: 1 });
    expect(await atRobot).toMatchObject({ name: "vera", message: "[rover] hello from B", _id: ack._id });
    expect(await atWalt).toMatchObject({ name: "vera", _id: ack._id });

    // walt's chat on A reaches vera on B
    const atVera = nextEvent<Record<string, unknown>>(vera, "chat_message_with_name", 5000, (m) => m.name === "walt");
    expect(await emitAck(walt, "chat_message", { robot_id: robot.id, message: "hi from A" })).toMatchObject({ ok: true });
    expect(await atVera).toMatchObject({ message: "[rover] hi from A" });

    // what the robot reports on A shows in B's state events
    const app = await connect(connectSocket, a.url, { robot_key: robot.robotKey, role: "app" }, opened);
    expect(await emitAck(app, "identify_robot_id", robot.id)).toMatchObject({ ok: true });
    const state = nextEvent<Record<string, unknown>>(vera, "robot_state", 5000, (s) => s.video_status !== null);
    expect(await emitAck(app, "send_video_status", { send_video_process_exists: true, ffmpeg_process_exists: true, camera_id: robot.cameraId })).toMatchObject({ ok: true });
    expect(await state).toMatchObject({ online: true, video_status: { send_video_process_exists: true, ffmpeg_process_exists: true } });
    await until(async () => (await robotOn(b))?.video_status?.ffmpeg_process_exists === true, 5000, "B's status shows A's video status");
  }, 15_000);

  test("exclusive control and message removal by the owner on B hold on A", async () => {
    const owner = await connect(connectSocket, b.url, { token: robot.ownerToken }, opened);
    const walt = await connect(connectSocket, a.url, { name: "walt2" }, opened);
    const vera = await connect(connectSocket, b.url, { name: "vera2" }, opened);
    const posted = await emitAck(walt, "chat_message", { robot_id: robot.id, message: "remove me" });
    expect(posted).toMatchObject({ ok: true });

    const removed = nextEvent<Record<string, unknown>>(chat, "message_removed");
    // the message was posted on A; B's log has it from the cluster channel (retry while it travels)
    await until(async () => (await emitAck(owner, "remove_message", { robot_id: robot.id, message_id: posted._id })).ok === true, 5000, "removal accepted on B");
    expect(await removed).toEqual({ message_id: posted._id, robot_id: robot.id });

    expect(await emitAck(owner, "set_exclusive_control", { robot_id: robot.id, user: "vera2" })).toMatchObject({ ok: true });
    // A learns it over Redis: walt2 on A is refused once it has
    await until(
      async () => ((await emitAck(walt, "command_to_robot", { robot_id: robot.id, command: "L", key_position: "" })) as { error?: string }).error === "not_allowed",
      5000,
      "walt2 refused on A",
    );
    const toRobot = nextEvent<Record<string, unknown>>(control, "command_to_robot", 5000, (c) => c.user === "vera2");
    expect(await emitAck(vera, "command_to_robot", { robot_id: robot.id, command: "R", key_position: "" })).toMatchObject({ ok: true });
    expect(await toRobot).toMatchObject({ command: "R" });
    expect(await emitAck(owner, "set_exclusive_control", { robot_id: robot.id, user: null })).toMatchObject({ ok: true });
    await until(async () => (await emitAck(walt, "command_to_robot", { robot_id: robot.id, command: "L", key_position: "" })).ok === true, 4000, "walt2 allowed again on A");

    // settings changed by the owner on B: the robot's app socket on A hears it, A's lookup serves them
    const app = await connect(connectSocket, a.url, { robot_key: robot.robotKey, role: "app" }, opened);
    expect(await emitAck(app, "identify_robot_id", robot.id)).toMatchObject({ ok: true });
    const changed = nextEvent<Record<string, unknown>>(app, "robot_settings_changed");
    expect(await emitAck(owner, "update_robot", { robot_id: robot.id, settings: { xres: 320, yres: 240 } })).toMatchObject({ ok: true });
    expect(await changed).toEqual({ robot_id: robot.id });
    expect(await (await fetch(`${a.url}/api/v1/robots/${robot.id}`)).json()).toMatchObject({ xres: 320, yres: 240 });
  }, 15_000);

  test("Twitch chat is read by one process only: one !f, one command at the robot", async () => {
    await irc.waitForJoins(1);
    const commands: unknown[] = [];
    control.on("command_to_robot", (c) => (c as { user: string }).user.startsWith("twitch:") && commands.push(c));
    const got = nextEvent<Record<string, unknown>>(control, "command_to_robot", 5000, (c) => c.user === "twitch:tess");
    irc.say("robochan", { login: "tess" }, "!f");
    expect(await got).toMatchObject({ robot_id: robot.id, command: "F", user: "twitch:tess", anonymous: false });
    // a second line as a marker: had another process read the chat too, its copy of !f would be in by then
    const marker = nextEvent<Record<string, unknown>>(control, "command_to_robot", 5000, (c) => c.user === "twitch:uma");
    irc.say("robochan", { login: "uma" }, "!b");
    await marker;
    expect(commands.filter((c) => (c as { user: string }).user === "twitch:tess")).toHaveLength(1);
    expect(irc.joins).toBe(1);
    expect(b.log()).toContain("holds the Twitch chat lease");
    expect(a.log()).not.toContain("holds the Twitch chat lease");
  }, 15_000);

  test("video posted to A reaches a viewer on B in whole TS packets", async () => {
    const ws = new WebSocket(`${b.url.replace("http", "ws")}/ws/stream/${robot.cameraId}/video`);
    ws.binaryType = "arraybuffer";
    const got = { bytes: 0, misaligned: 0, videoPes: false };
    const enough = new Promise<void>((resolve, reject) => {
      ws.onerror = () => reject(new Error("viewer websocket on B failed"));
      ws.onmessage = (event) => {
        const chunk = new Uint8Array(event.data as ArrayBuffer);
        got.bytes += chunk.length;
        if (chunk.length % 188 !== 0) got.misaligned++;
        for (let at = 0; at + 188 <= chunk.length; at += 188) {
          if (chunk[at] !== 0x47) got.misaligned++;
          const payload = at + 4 + (((chunk[at + 3] ?? 0) & 0x20) !== 0 ? 1 + (chunk[at + 4] ?? 0) : 0);
          if (((chunk[at + 1] ?? 0) & 0x40) !== 0 && chunk[payload + 2] === 1 && chunk[payload + 3] === 0xe0) got.videoPes = true;
        }
        if (got.bytes > 50_000 && got.videoPes) resolve();
      };
    });
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("viewer websocket on B failed"));
    });
    // B follows the camera's channel from the moment its first viewer arrived
    await until(async () => (await status(b)).streams.some((s) => s.camera_id === robot.cameraId && s.viewers.length === 1), 5000, "the viewer counted on B");
    const pusher = pushTestStream("video", `${a.url}/${robot.streamKey}/640/480/`, { seconds: 20 });
    try {
      await enough;
      expect(got.misaligned).toBe(0);
      expect((await status(a)).streams.find((s) => s.camera_id === robot.cameraId)?.viewers).toEqual([]);
      expect((await robotOn(b))?.video_live).toBe(true);
    } finally {
      pusher.stop();
      ws.close();
    }
  }, 15_000);

  test("killing B loses no robot connection on A; A stops counting B's viewers; commands still flow on A", async () => {
    const before = (await robotOn(a))?.viewers ?? 0;
    const onB = (await status(b)).robots.find((r) => r.robot_id === robot.id)?.viewers ?? 0;
    expect(before).toBeGreaterThan(0);
    b.kill("SIGKILL");
    await b.exited;
    await a.waitForLog(/node-b went silent/, 12_000);
    const after = await robotOn(a);
    expect(after?.online).toBe(true);
    expect(after?.sockets).toMatchObject({ control: 1, chat: 1 });
    expect(control.connected && chat.connected).toBe(true);
    expect(robotDisconnects).toEqual([]);
    // B's viewers (watch sockets on B) no longer count
    expect(after?.viewers).toBeLessThan(before);
    expect(onB).toBeGreaterThan(0);
    const viewer = await connect(connectSocket, a.url, { name: "zed" }, opened);
    const command = nextEvent<Record<string, unknown>>(control, "command_to_robot", 5000, (c) => c.user === "zed");
    expect(await emitAck(viewer, "command_to_robot", { robot_id: robot.id, command: "B", key_position: "" })).toMatchObject({ ok: true });
    expect(await command).toMatchObject({ command: "B" });
    // B held the Twitch chat lease: A takes it over once the lease runs out
    await a.waitForLog(/holds the Twitch chat lease/, 10_000);
    await irc.waitForJoins(2);
    const fromTwitch = nextEvent<Record<string, unknown>>(control, "command_to_robot", 5000, (c) => c.user === "twitch:vic");
    irc.say("robochan", { login: "vic" }, "!l");
    expect(await fromTwitch).toMatchObject({ command: "L" });
  }, 25_000);
});

describe("Redis unreachable", () => {
  test("serve exits 20 naming host and port, never the password", async () => {
    const down = await spawnServe(data.dir, { LETSROBOT_SERVER_REDIS_URL: "redis://user:sekrit-pass@127.0.0.1:1" }).catch((e: Error) => e);
    expect(down).toBeInstanceOf(Error);
    const text = (down as Error).message;
    expect(text).toContain("exited (20)");
    expect(text).toContain("cannot reach Redis at 127.0.0.1:1");
    expect(text).toContain("hint:");
    expect(text).not.toContain("sekrit-pass");
  }, 15_000);
});
