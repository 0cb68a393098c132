import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { connectLegacySocket } from "../../lib/net/socket-client-legacy.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { openStore } from "../../lib/server/store/store.ts";
import { connect, emitAck, startTestPlatform, tempDataDir, until } from "./helpers.ts";

/** Who may speak for a robot, and who a guest is: impersonation and spoofing over real socket.io on 127.0.0.1. */
const data = tempDataDir();
const opened: SocketChannel[] = [];
let platform: Platform;
let victim: RobotCredentials;

beforeAll(async () => {
  platform = await startTestPlatform(data.dir);
  victim = await platform.ensureRobot({ name: "victim", owner: "vic" });
});

afterAll(async () => {
  for (const c of opened) c.close();
  await platform.close();
  data.remove();
});

/** Everything a socket receives, by event. */
function record(channel: SocketChannel, ...events: string[]): Record<string, unknown[]> {
  const seen: Record<string, unknown[]> = {};
  for (const event of events) {
    seen[event] = [];
    channel.on(event, (d) => seen[event]?.push(d));
  }
  return seen;
}

describe("robot impersonation", () => {
  test("new robots require their key: a socket naming another robot without it (or with a wrong one) gets no commands or chat", async () => {
    expect(platform.status().robots.find((r) => r.name === "victim")?.require_key).toBe(true);
    const real = await connect(connectSocket, platform.url, { robot_key: victim.robotKey }, opened);
    const keyless = await connect(connectLegacySocket, platform.url, undefined, opened);
    const wrong = await connect(connectSocket, platform.url, { robot_key: "guessed" }, opened);
    expect(await emitAck(real, "robot_id", victim.robotId)).toMatchObject({ ok: true });
    expect(await emitAck(keyless, "robot_id", victim.robotId)).toMatchObject({ ok: false, error: "key_required" });
    expect(await emitAck(keyless, "identify_robot_id", victim.robotId)).toMatchObject({ ok: false, error: "key_required" });
    expect(await emitAck(wrong, "robot_id", victim.robotId)).toMatchObject({ ok: false, error: "bad_key" });
    const realSeen = record(real, "command_to_robot");
    const stolen = [record(keyless, "command_to_robot", "chat_message_with_name"), record(wrong, "command_to_robot", "chat_message_with_name")];
    const viewer = await connect(connectSocket, platform.url, { name: "vera" }, opened);
    expect(await emitAck(viewer, "command_to_robot", { robot_id: victim.robotId, command: "F" })).toMatchObject({ ok: true });
    expect(await emitAck(viewer, "chat_message", { robot_id: victim.robotId, message: "secret plan" })).toMatchObject({ ok: true });
    await until(() => realSeen.command_to_robot?.length === 1, 3000, "the real robot's command");
    await Bun.sleep(100);
    expect(stolen).toEqual([
      { command_to_robot: [], chat_message_with_name: [] },
      { command_to_robot: [], chat_message_with_name: [] },
    ]);
  });

  test("turning require_key on (owner action) drops sockets already connected without the key", async () => {
    const legacy = await platform.ensureRobot({ name: "legacy", owner: "lee", requireKey: false });
    const real = await connect(connectSocket, platform.url, { robot_key: legacy.robotKey }, opened);
    const impostor = await connect(connectLegacySocket, platform.url, undefined, opened);
    expect(await emitAck(real, "robot_id", legacy.robotId)).toMatchObject({ ok: true });
    expect(await emitAck(impostor, "robot_id", legacy.robotId)).toMatchObject({ ok: true });
    const stolen = record(impostor, "command_to_robot", "error_event");
    const owner = await connect(connectSocket, platform.url, { token: legacy.ownerToken }, opened);
    expect(await emitAck(owner, "update_robot", { robot_id: legacy.robotId, require_key: true })).toMatchObject({ ok: true });
    await until(() => !impostor.connected, 3000, "the impostor dropped");
    expect(stolen.error_event).toEqual([{ event: "robot_id", error: "key_required", message: "this robot now requires its robot key (auth.robot_key or query robot_key)" }]);
    expect(real.connected).toBe(true);
    const realSeen = record(real, "command_to_robot");
    expect(await emitAck(owner, "command_to_robot", { robot_id: legacy.robotId, command: "F" })).toMatchObject({ ok: true });
    await until(() => realSeen.command_to_robot?.length === 1, 3000, "the real robot's command");
    expect(stolen.command_to_robot).toEqual([]);
    expect(platform.status().robots.find((r) => r.name === "legacy")?.keyless_sockets).toBe(0);
  });

  test("require_key turned on by another process (serve robot set) drops impostors before the next command reaches them", async () => {
    const shared = await platform.ensureRobot({ name: "shared", owner: "sam", requireKey: false });
    const real = await connect(connectSocket, platform.url, { robot_key: shared.robotKey }, opened);
    const impostor = await connect(connectLegacySocket, platform.url, undefined, opened);
    expect(await emitAck(real, "robot_id", shared.robotId)).toMatchObject({ ok: true });
    expect(await emitAck(impostor, "robot_id", shared.robotId)).toMatchObject({ ok: true });
    const stolen = record(impostor, "command_to_robot");
    const other = openStore(data.dir);
    other.updateRobot(shared.robotId, { requireKey: true });
    other.close();
    const realSeen = record(real, "command_to_robot");
    const viewer = await connect(connectSocket, platform.url, { name: "wendy" }, opened);
    expect(await emitAck(viewer, "command_to_robot", { robot_id: shared.robotId, command: "L" })).toMatchObject({ ok: true });
    await until(() => realSeen.command_to_robot?.length === 1 && !impostor.connected, 3000, "real command delivered, impostor dropped");
    expect(stolen.command_to_robot).toEqual([]);
  });
});

describe("guest identity is the server's session, not the name", () => {
  test("a second guest cannot take a connected guest's name: it is anonymous, and says why", async () => {
    const vera = await connect(connectSocket, platform.url, { name: "gina" }, opened);
    const mallory = await connect(connectSocket, platform.url, { name: "GINA" }, opened);
    const mine = await emitAck<{ you: { name: string; anonymous: boolean; session: string } }>(vera, "watch_robot", { robot_id: victim.robotId });
    const theirs = await emitAck<{ you: { name: string; anonymous: boolean; notice?: string } }>(mallory, "watch_robot", { robot_id: victim.robotId });
    expect(mine.you).toMatchObject({ name: "gina", anonymous: false });
    expect(theirs.you).toMatchObject({ anonymous: true, notice: '"GINA" is in use by another viewer: pick another name' });
    expect(theirs.you.name).toStartWith("anon-");
    const chat = await emitAck<{ ok: boolean }>(mallory, "chat_message", { robot_id: victim.robotId, message: "I am gina" });
    expect(chat).toMatchObject({ ok: true });
    const posted = (await emitAck<{ chat: { name: string; message: string }[] }>(vera, "watch_robot", { robot_id: victim.robotId })).chat;
    expect(posted.find((m) => m.message.includes("I am gina"))?.name).toStartWith("anon-");
    // the same session (a reconnecting or second tab, presenting the session secret) keeps the name
    const tab = await connect(connectSocket, platform.url, { name: "gina", session: mine.you.session }, opened);
    expect((await emitAck<{ you: { name: string; anonymous: boolean } }>(tab, "watch_robot", { robot_id: victim.robotId })).you).toMatchObject({ name: "gina", anonymous: false });
    // once every socket of the session is gone, the name is free
    vera.close();
    tab.close();
    await Bun.sleep(100);
    const later = await connect(connectSocket, platform.url, { name: "gina" }, opened);
    expect((await emitAck<{ you: { name: string; anonymous: boolean } }>(later, "watch_robot", { robot_id: victim.robotId })).you).toMatchObject({ name: "gina", anonymous: false });
    later.close();
  });

  test("rate limits follow the session: one guest's flood does not use up another's budget", async () => {
    const quiet = await connect(connectSocket, platform.url, { name: "quinn" }, opened);
    const loud = await connect(connectSocket, platform.url, { name: "loud" }, opened);
    const answers = await Promise.all(Array.from({ length: 25 }, () => emitAck<{ ok: boolean; error?: string }>(loud, "chat_message", { robot_id: victim.robotId, message: "spam" })));
    expect(answers.some((a) => a.error === "rate_limited")).toBe(true);
    expect(await emitAck(quiet, "chat_message", { robot_id: victim.robotId, message: "hello" })).toMatchObject({ ok: true });
  });

  test("exclusive control is bound to the session that held the name: taking the name later does not give control", async () => {
    const real = await connect(connectSocket, platform.url, { robot_key: victim.robotKey }, opened);
    expect(await emitAck(real, "robot_id", victim.robotId)).toMatchObject({ ok: true });
    const driver = await connect(connectSocket, platform.url, { name: "dora" }, opened);
    expect(await emitAck(driver, "watch_robot", { robot_id: victim.robotId })).toMatchObject({ ok: true });
    const owner = await connect(connectSocket, platform.url, { token: victim.ownerToken }, opened);
    expect(await emitAck(owner, "set_exclusive_control", { robot_id: victim.robotId, user: "dora" })).toMatchObject({ ok: true });
    expect(await emitAck(driver, "command_to_robot", { robot_id: victim.robotId, command: "F" })).toMatchObject({ ok: true });
    driver.close();
    await Bun.sleep(100);
    const thief = await connect(connectSocket, platform.url, { name: "dora" }, opened);
    expect(await emitAck(thief, "command_to_robot", { robot_id: victim.robotId, command: "F" })).toMatchObject({ ok: false, error: "not_allowed" });
    expect(await emitAck(owner, "set_exclusive_control", { robot_id: victim.robotId, user: null })).toMatchObject({ ok: true });
  });
});
