import { afterAll, describe, expect, test } from "bun:test";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { connectLegacySocket } from "../../lib/net/socket-client-legacy.ts";
import type { Platform } from "../../lib/server/platform.ts";
import { connect, emitAck, nextEvent, startTestPlatform, tempDataDir } from "./helpers.ts";

const data = tempDataDir();
const opened: SocketChannel[] = [];
const platforms: Platform[] = [];
const extraDirs: { remove(): void }[] = [];

afterAll(async () => {
  for (const c of opened) c.close();
  for (const p of platforms) await p.close();
  data.remove();
  for (const d of extraDirs) d.remove();
});

/** One MPEG-TS packet that starts a video PES, as the first bytes of an upload. */
const tsPacket = () => {
  const packet = new Uint8Array(188).fill(0xff);
  packet.set([0x47, 0x41, 0x00, 0x10, 0x00, 0x00, 0x01, 0xe0]);
  return packet;
};

describe("restart with the same data dir", () => {
  test("robots, keys, owner tokens and settings survive", async () => {
    const first = await startTestPlatform(data.dir);
    platforms.push(first);
    const creds = await first.ensureRobot({ name: "keeper", owner: "kim", requireKey: true });
    const owner = await connect(connectSocket, first.url, { token: creds.ownerToken }, opened);
    expect(await emitAck(owner, "update_robot", { robot_id: creds.robotId, settings: { mic_enabled: false } })).toMatchObject({ ok: true });
    owner.close();
    await first.close();

    const second = await startTestPlatform(data.dir);
    platforms.push(second);
    expect(second.findRobot("keeper")).toEqual({ robotId: creds.robotId, cameraId: creds.cameraId, name: "keeper", owner: "kim" });
    expect(second.status().robots.find((r) => r.name === "keeper")).toMatchObject({ require_key: true });
    expect(await (await fetch(`${second.url}/api/v1/robots/${creds.robotId}`)).json()).toMatchObject({ mic_enabled: false });
    // the robot key still identifies the robot (socket.io 2 client, key in the query) ...
    const robot = await connect(connectLegacySocket, second.url, { robot_key: creds.robotKey }, opened);
    expect(await emitAck(robot, "robot_id", creds.robotId)).toMatchObject({ ok: true });
    const impostor = await connect(connectLegacySocket, second.url, { robot_key: "guess" }, opened);
    expect(await emitAck(impostor, "robot_id", creds.robotId)).toMatchObject({ ok: false, error: "bad_key" });
    // ... the stream key still opens the relay ...
    const accepted = await fetch(`${second.url}/${creds.streamKey}/640/480/`, { method: "POST", body: tsPacket() });
    expect(accepted.status).toBe(200);
    const refused = await fetch(`${second.url}/${creds.streamKey}x/640/480/`, { method: "POST", body: tsPacket() });
    expect(refused.status).toBe(403);
    // ... and the owner token still makes its holder the owner
    const again = await connect(connectSocket, second.url, { token: creds.ownerToken }, opened);
    const told = nextEvent(robot, "command_to_robot");
    expect(await emitAck(again, "command_to_robot", { robot_id: creds.robotId, command: "F" })).toMatchObject({ ok: true });
    expect(await told).toMatchObject({ user: "kim" });
  });

  test("ensureRobot on an existing name re-keys it: old keys stop working", async () => {
    const platform = platforms[1] as Platform;
    const before = await platform.ensureRobot({ name: "rekeyed", owner: "kim" });
    const after = await platform.ensureRobot({ name: "rekeyed", owner: "kim" });
    expect(after.robotId).toBe(before.robotId);
    expect(after.streamKey).not.toBe(before.streamKey);
    expect((await fetch(`${platform.url}/${before.streamKey}/640/480/`, { method: "POST", body: tsPacket() })).status).toBe(403);
    expect((await fetch(`${platform.url}/${after.streamKey}/640/480/`, { method: "POST", body: tsPacket() })).status).toBe(200);
  });
});

describe("app socket port", () => {
  test("sockets on the extra app port get app events and no chat", async () => {
    const extra = tempDataDir();
    extraDirs.push(extra);
    const platform = await startTestPlatform(extra.dir, { appPort: 0 });
    platforms.push(platform);
    const creds = await platform.ensureRobot({ name: "old", owner: "ada", requireKey: false }); // old clients connect key-less
    expect(platform.appPort).toBeGreaterThan(0);
    const app = await connect(connectLegacySocket, `http://127.0.0.1:${platform.appPort}`, undefined, opened);
    const chat = await connect(connectLegacySocket, platform.url, undefined, opened);
    expect(await emitAck(app, "identify_robot_id", creds.robotId)).toMatchObject({ ok: true });
    expect(await emitAck(chat, "identify_robot_id", creds.robotId)).toMatchObject({ ok: true });
    const seenOnApp: string[] = [];
    app.on("chat_message_with_name", () => seenOnApp.push("chat"));
    const owner = await connect(connectSocket, platform.url, { token: creds.ownerToken }, opened);
    const exclusive = nextEvent(app, "exclusive_control");
    const chatted = nextEvent(chat, "chat_message_with_name");
    await emitAck(owner, "chat_message", { robot_id: creds.robotId, message: "hi" });
    await emitAck(owner, "set_exclusive_control", { robot_id: creds.robotId, user: "ada" });
    await Promise.all([exclusive, chatted]);
    expect(seenOnApp).toEqual([]);
    // the chat socket is counted once, as chat (it did not report video status)
    expect(platform.status().robots[0]?.sockets).toEqual({ control: 0, chat: 1, app: 1 });
  });
});
