import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { connect, emitAck, nextEvent, startTestPlatform, tempDataDir, until } from "../server/helpers.ts";
import { openRobotDouble, type RobotDouble, remoRobotLogin } from "./robot-double.ts";

/** `serve`'s Remo endpoint against a Remo-style robot client written from docs/protocol.md. */
const data = tempDataDir();
const opened: SocketChannel[] = [];
const doubles: RobotDouble[] = [];
let platform: Platform;
let rover: RobotCredentials;
let robot: RobotDouble;
let channel: { id: string; name: string; chat: string };
let viewer: SocketChannel;

beforeAll(async () => {
  platform = await startTestPlatform(data.dir);
  rover = await platform.ensureRobot({ name: "rover", owner: "ann" });
  await platform.ensureRobot({ name: "other", owner: "ann" });
  const login = await remoRobotLogin(platform.url, rover.robotKey, "rover");
  robot = login.robot;
  channel = login.channel;
  doubles.push(robot);
  viewer = await connect(connectSocket, platform.url, { name: "vera" }, opened);
});

afterAll(async () => {
  for (const d of doubles) d.close();
  for (const c of opened) c.close();
  await platform.close();
  data.remove();
});

describe("serve speaks Remo to robots", () => {
  test("the robot key authenticates: ROBOT_VALIDATED names the robot and its server; the channel list holds its channel", async () => {
    expect(channel).toEqual({ id: `chan-${rover.robotId}`, name: "rover", chat: `chat-${rover.robotId}` });
    const auth = await fetch(`${platform.url}/api/dev/robot/auth`, { method: "POST", body: JSON.stringify({ token: rover.robotKey }) });
    expect(auth.status).toBe(200);
    expect(await auth.json()).toMatchObject({ id: rover.robotId, host: `srv-${rover.robotId}`, channels: [channel] });
    await until(() => platform.status().robots.some((r) => r.name === "rover" && r.online), 5000, "rover online");
    expect(platform.status().robots.find((r) => r.name === "other")?.online).toBe(false);
  });

  test("a viewer's command arrives as BUTTON_COMMAND built from the stored button; unknown words are not forwarded", async () => {
    expect(await emitAck(viewer, "command_to_robot", { robot_id: rover.robotId, command: "not_a_button" })).toMatchObject({ ok: true });
    expect(await emitAck(viewer, "command_to_robot", { robot_id: rover.robotId, command: "f", key_position: "down" })).toMatchObject({ ok: true });
    const d = await robot.next("BUTTON_COMMAND");
    expect(d).toMatchObject({ user: { username: "vera", anonymous: false }, button: { label: "Forward", command: "f" }, channel: channel.id });
    // a stock Remo robot knows no key positions: it is not sent one
    expect(d).not.toHaveProperty("key_position");
    expect(await emitAck(viewer, "command_to_robot", { robot_id: rover.robotId, command: "f", key_position: "up" })).toMatchObject({ ok: true });
    expect(robot.frames.some((f) => JSON.stringify(f).includes("not_a_button"))).toBe(false);
  });

  test("a held button reaches a stock Remo robot as one press; a robot that reads key_position gets the hold and the release", async () => {
    const aware = (await remoRobotLogin(platform.url, rover.robotKey, "rover", { key_position: true })).robot;
    doubles.push(aware);
    const before = robot.frames.filter((f) => f.e === "BUTTON_COMMAND").length;
    const send = (key_position: string) => emitAck(viewer, "command_to_robot", { robot_id: rover.robotId, command: "b", key_position });
    // press, a refresh of the same hold, release, then a tap
    for (const position of ["down", "down", "up", ""]) expect(await send(position)).toMatchObject({ ok: true });
    const positions: unknown[] = [];
    for (let i = 0; i < 4; i++) positions.push((await aware.next("BUTTON_COMMAND")).key_position);
    expect(positions).toEqual(["down", "down", "up", ""]);
    await Bun.sleep(100); // the stock robot's frames were sent before the aware robot's last one
    const stock = robot.frames.filter((f) => f.e === "BUTTON_COMMAND").slice(before);
    expect(stock.length).toBe(2);
    aware.close();
  });

  test("chat arrives as MESSAGE_RECEIVED; ROBOT_MESSAGE_SENT reaches the viewers", async () => {
    await emitAck(viewer, "watch_robot", { robot_id: rover.robotId });
    expect(await emitAck(viewer, "chat_message", { robot_id: rover.robotId, message: "hello robot" })).toMatchObject({ ok: true });
    expect(await robot.next("MESSAGE_RECEIVED")).toMatchObject({ message: "hello robot", sender: "vera", channel_id: channel.id, type: "user", badges: [] });
    const said = nextEvent<{ name: string; message: string }>(viewer, "chat_message_with_name", 5000, (m) => m.name === "rover");
    robot.send("ROBOT_MESSAGE_SENT", { message: "beep boop", chatId: channel.chat, channel_id: channel.id });
    expect((await said).message).toBe("[rover] beep boop");
  });

  test("a wrong token is refused and the socket closed; nothing else is accepted before authenticating", async () => {
    const stranger = await openRobotDouble(`${platform.url.replace("http", "ws")}/remo`);
    doubles.push(stranger);
    stranger.send("JOIN_CHANNEL", channel.id);
    expect(await stranger.next("ERROR")).toBeDefined();
    stranger.send("AUTHENTICATE_ROBOT", { token: `${rover.robotKey}x` });
    await stranger.next("INVALID_TOKEN");
    expect(await stranger.closed).toBe(1008);
    const auth = await fetch(`${platform.url}/api/dev/robot/auth`, { method: "POST", body: JSON.stringify({ token: "nope" }) });
    expect(auth.status).toBe(401);
  });

  test("/transmit takes MPEG-TS with the robot key as Bearer into the relay; /receive serves it; a wrong key gets 401", async () => {
    const ts = new Uint8Array(Bun.spawnSync(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "1", "-codec:v", "mpeg1video", "-f", "mpegts", "pipe:1"]).stdout);
    expect(ts.length).toBeGreaterThan(188 * 10);
    const name = `${channel.id}-video`;
    const wrong = await fetch(`${platform.url}/transmit?name=${name}`, { method: "POST", headers: { authorization: "Bearer nope" }, body: ts });
    expect(wrong.status).toBe(401);
    const received: number[] = [];
    const watcher = new WebSocket(`${platform.url.replace("http", "ws")}/receive?name=${name}`);
    watcher.binaryType = "arraybuffer";
    watcher.addEventListener("message", (e) => received.push((e.data as ArrayBuffer).byteLength));
    await new Promise((resolve) => watcher.addEventListener("open", resolve, { once: true }));
    const ok = await fetch(`${platform.url}/transmit?name=${name}`, { method: "POST", headers: { authorization: `Bearer ${rover.robotKey}` }, body: ts });
    expect(ok.status).toBe(200);
    await until(() => received.reduce((a, b) => a + b, 0) >= ts.length - 188, 5000, "stream at the /receive viewer");
    watcher.close();
  });

  test("a robot that disconnects goes offline; commands to it are refused as robot_offline", async () => {
    robot.close();
    await until(() => platform.status().robots.some((r) => r.name === "rover" && !r.online), 5000, "rover offline");
    expect(await emitAck(viewer, "command_to_robot", { robot_id: rover.robotId, command: "f" })).toMatchObject({ ok: false, error: "robot_offline" });
  });
});
