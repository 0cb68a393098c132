/// <reference path="../helpers/socket-io-client-v1.d.ts" />
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import ioV1 from "socket.io-client-v1";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { Eio3BinaryClient } from "../helpers/eio3-binary-client.ts";
import { connect, emitAck, startTestPlatform, tempDataDir, until } from "./helpers.ts";

// The robots people still run: socketIO-client 0.7 (Python, binary framing only) and socket.io-client 1.7 (JS).
const data = tempDataDir();
const opened: SocketChannel[] = [];
const clients: { close(): void }[] = [];
let platform: Platform;
let robot: RobotCredentials;
let viewer: SocketChannel;

beforeAll(async () => {
  platform = await startTestPlatform(data.dir);
  // the historical controllers know no robot key
  robot = await platform.ensureRobot({ name: "oldbot", owner: "olga", requireKey: false });
  viewer = await connect(connectSocket, platform.url, { token: robot.ownerToken }, opened);
});

afterAll(async () => {
  for (const c of [...opened, ...clients]) c.close();
  await platform.close();
  data.remove();
});

const command = (name: string) => emitAck(viewer, "command_to_robot", { robot_id: robot.robotId, command: name, key_position: "" });

describe("Engine.IO v3 binary framing (socketIO-client 0.7.x)", () => {
  test("handshake, upgrade to websocket, robot_id, then command_to_robot arrives", async () => {
    const control = new Eio3BinaryClient(platform.url);
    clients.push(control);
    await control.handshake();
    expect(control.sid).not.toBe("");
    expect(control.upgrades).toEqual(["websocket"]);
    expect(await control.poll()).toEqual(["40"]);
    await control.upgrade();
    await control.emit("robot_id", robot.robotId);
    await until(() => platform.status().robots[0]?.sockets.control === 1);
    expect(await command("F")).toMatchObject({ ok: true });
    expect(await control.next("command_to_robot")).toMatchObject({ robot_id: robot.robotId, command: "F", user: "olga" });
  });

  test("a polling-only chat socket identifies by binary POST and polls chat in binary framing", async () => {
    const chat = new Eio3BinaryClient(platform.url);
    clients.push(chat);
    await chat.handshake();
    await chat.poll();
    await chat.emit("identify_robot_id", robot.robotId);
    await until(() => (platform.status().robots[0]?.sockets.chat ?? 0) >= 1);
    expect(await emitAck(viewer, "chat_message", { robot_id: robot.robotId, message: "héllo robot ✓" })).toMatchObject({ ok: true });
    const message = (await chat.next("chat_message_with_name", 8000)) as { message: string; name: string };
    expect(message.message).toContain("héllo robot ✓");
    // Engine.IO heartbeat: the v3 client pings, the server answers in binary framing
    await chat.post(["2"]);
    expect(await chat.poll()).toContain("3");
  });

  test("clients that ask for base64, and Engine.IO v4 clients, still get text framing", async () => {
    const b64 = await fetch(`${platform.url}/socket.io/?EIO=3&transport=polling&b64=1`);
    expect(b64.headers.get("content-type")).toStartWith("text/plain");
    expect(await b64.text()).toMatch(/^\d+:0\{"sid"/);
    const v4 = await fetch(`${platform.url}/socket.io/?EIO=4&transport=polling`);
    expect(v4.headers.get("content-type")).toStartWith("text/plain");
    expect(await v4.text()).toMatch(/^0\{"sid"/);
  });

  test("the binary-only client refuses text framing (it can fail)", async () => {
    const strict = new Eio3BinaryClient(platform.url, { query: { b64: "1" } });
    await expect(strict.handshake()).rejects.toThrow(/not application\/octet-stream/);
  });
});

describe("identify_robot_id on the control port (letsrobot_unofficial)", () => {
  test("a socket that identifies only with identify_robot_id gets commands and chat, counted once as chat", async () => {
    const other = await platform.ensureRobot({ name: "unofficial", owner: "olga", requireKey: false });
    const control = new Eio3BinaryClient(platform.url);
    clients.push(control);
    await control.handshake();
    await control.upgrade();
    await control.emit("identify_robot_id", other.robotId);
    const state = () => platform.status().robots.find((r) => r.robot_id === other.robotId);
    await until(() => state()?.online === true);
    expect(state()?.sockets).toEqual({ control: 0, chat: 1, app: 0 });
    expect(await emitAck(viewer, "command_to_robot", { robot_id: other.robotId, command: "R", key_position: "" })).toMatchObject({ ok: true });
    expect(await control.next("command_to_robot")).toMatchObject({ robot_id: other.robotId, command: "R" });
    // once it reports video status it is the app socket: no more commands, counted as app
    await control.emit("send_video_status", { send_video_process_exists: true, ffmpeg_process_exists: true, camera_id: other.cameraId });
    await until(() => state()?.sockets.app === 1);
    expect(await emitAck(viewer, "command_to_robot", { robot_id: other.robotId, command: "L", key_position: "" })).toMatchObject({ ok: false, error: "robot_offline" });
  });
});

describe("socket.io-client 1.7 (npm socket.io-client@1) as a robot", () => {
  test("connects, identifies with robot_id and receives command_to_robot", async () => {
    const socket = ioV1(platform.url, { forceNew: true, reconnection: false });
    clients.push(socket);
    const commands: unknown[] = [];
    socket.on("command_to_robot", (d: unknown) => commands.push(d));
    await new Promise<void>((resolve, reject) => {
      socket.on("connect", () => resolve());
      socket.on("connect_error", (e: unknown) => reject(e));
    });
    const before = platform.status().robots[0]?.sockets.control ?? 0;
    socket.emit("robot_id", robot.robotId);
    await until(() => platform.status().robots[0]?.sockets.control === before + 1);
    expect(await command("L")).toMatchObject({ ok: true });
    await until(() => commands.length > 0);
    expect(commands[0]).toMatchObject({ robot_id: robot.robotId, command: "L" });
  });
});
