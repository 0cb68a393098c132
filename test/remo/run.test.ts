import { afterEach, describe, expect, test } from "bun:test";
import { startFaultProxy } from "../robot/fault-proxy.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { runInProcess, until } from "../robot/harness.ts";
import { spawnRun } from "../robot/run-process.ts";
import { REMO_KEY, type RemoTestServer, startRemoTestServer } from "./remo-server.ts";

/** `run` with platform.protocol = "remo" against a Remo-style test server (real websocket and HTTP on 127.0.0.1). */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startSession(server: RemoTestServer, platform: Record<string, unknown>, extra: Record<string, Record<string, unknown>> = {}) {
  const run = runInProcess({ platform: { protocol: "remo", server: server.url, robot_key: REMO_KEY, channel: "rover", timeout_ms: 2000, ...platform }, ...extra });
  cleanups.push(run.stop);
  return { events: run.events, stop: run.stop, of: run.of };
}

const button = (command: string, channel = "chan-rover", user = "vera") => ({ user: { username: user }, button: { id: "b", label: command, command }, channel });
const chat = (message: string, sender: string, badges: string[] = []) => ({ id: `m-${message}`, message, sender, channel_id: "chan-rover", type: "user", badges });

describe("run in Remo mode against a Remo-style server", () => {
  test("authenticates with the robot key, joins the named channel and its chat, obeys BUTTON_COMMAND of its channel only", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const session = startSession(server, {});
    expect((await server.waitFor((r) => r.e === "AUTHENTICATE_ROBOT")).d).toEqual({ token: REMO_KEY, key_position: true });
    expect((await server.waitFor((r) => r.e === "JOIN_CHANNEL")).d).toBe("chan-rover");
    expect((await server.waitFor((r) => r.e === "GET_CHAT")).d).toBe("chat-rover");
    await until(() => session.of("online").length === 1, 5000, "online");
    expect(session.of("online")[0]).toMatchObject({ robot_id: "rbot-1" });
    server.send("BUTTON_COMMAND", button("l", "chan-lobby"));
    server.send("BUTTON_COMMAND", button("f"));
    await until(() => session.of("stop").some((e) => e.reason === "pulse-end"), 5000, "the forward pulse ran and ended");
    expect(session.of("command").map((e) => [e.command, e.user, e.accepted])).toEqual([["f", "vera", true]]);
    await session.stop();
    expect(session.of("stop").some((e) => e.reason === "shutdown")).toBe(true);
  });

  test("chat goes through the same chat path: owner badge runs .table on, the reply is said back in chat; others are refused", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const session = startSession(server, {});
    await until(() => session.of("online").length === 1, 5000, "online");
    server.send("MESSAGE_RECEIVED", chat("hi [robot] there", "vera"));
    await until(() => session.of("chat").some((e) => e.text === "hi [robot] there" && e.user === "vera"), 5000, "chat at the robot");
    server.send("MESSAGE_RECEIVED", chat(".table off", "mallory"));
    server.send("MESSAGE_RECEIVED", chat(".table on", "ann", ["owner"]));
    const said = await server.waitFor((r) => r.e === "ROBOT_MESSAGE_SENT" && (r.d as { message: string }).message === "table mode on");
    expect(said.d).toMatchObject({ chatId: "chat-rover", channel_id: "chan-rover", server_id: "srv-test" });
    expect(session.of("chat_command").map((e) => [e.user, e.refused])).toEqual([
      ["mallory", true],
      ["ann", false],
    ]);
  });

  test("a dropped socket: motors stop, the robot reconnects, authenticates and joins again, commands flow", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const session = startSession(server, {}, { behaviour: { deadman_ms: 5000 } });
    await until(() => session.of("online").length === 1, 5000, "online");
    server.send("BUTTON_COMMAND", { ...button("f"), key_position: "down" });
    await until(() => session.of("command").length === 1, 5000, "held forward");
    server.dropRobots();
    await until(() => session.of("stop").some((e) => e.reason === "disconnect"), 5000, "stop on disconnect");
    await until(() => server.received.filter((r) => r.e === "JOIN_CHANNEL").length === 2 && server.robots() === 1, 5000, "joined again");
    server.send("BUTTON_COMMAND", button("r"));
    await until(() => session.of("command").some((e) => e.command === "r" && e.accepted === true), 5000, "command after reconnect");
    expect(session.of("online").length).toBe(1);
  });

  test("a silent server (blackholed connection) is noticed by our pings; the robot reconnects once it answers again", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const proxy = await startFaultProxy(Number(new URL(server.url).port));
    cleanups.push(() => proxy.close());
    const session = startSession(server, { server: `http://127.0.0.1:${proxy.port}` }, { behaviour: { liveness_s: 3 } });
    await until(() => session.of("online").length === 1, 5000, "online");
    // pings every second: past four of them a quiet but healthy server has outlived the 3 s liveness
    await until(() => server.pings() >= 4, 8000, "pings at the server");
    expect(session.of("link").filter((e) => e.state === "down")).toEqual([]);
    proxy.set("blackhole");
    await until(() => session.of("link").some((e) => e.state === "down" && String(e.detail).startsWith("server silent")), 8000, "silence noticed");
    proxy.set("pass");
    await until(() => server.received.filter((r) => r.e === "JOIN_CHANNEL").length === 2, 8000, "joined again");
  }, 20_000);

  test("a wrong robot key is refused: the link stays down and says why, nothing is joined", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const session = startSession(server, { robot_key: "wrong-key" });
    await until(() => session.of("link").some((e) => e.state === "down" && e.detail === "the server refused the robot key"), 5000, "refusal");
    expect(server.received.some((r) => r.e === "JOIN_CHANNEL")).toBe(false);
    expect(session.of("online")).toEqual([]);
  });

  test("video and audio go to /transmit?name={channel}-video|audio with the robot key as Bearer", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const session = startSession(server, { transmit_url: server.url }, { video: { enabled: true, source: "test", width: 160, height: 120, fps: 10 }, audio: { enabled: true, source: "test" } });
    await until(() => ["chan-rover-video", "chan-rover-audio"].every((name) => server.uploads.some((u) => u.name === name && u.authorized && u.bytes > 188 * 4)), 15_000, "both uploads at the server");
    expect(server.uploads.every((u) => u.authorized)).toBe(true);
    await session.stop();
  }, 20_000);

  test("with no transmit_url the robot says where video goes, and that a letsrobot serve wants its own URL there", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const env = { LETSROBOT_PLATFORM_PROTOCOL: "remo", LETSROBOT_PLATFORM_SERVER: server.url, LETSROBOT_PLATFORM_ROBOT_KEY: REMO_KEY, LETSROBOT_PLATFORM_CHANNEL: "rover" };
    const robot = spawnRun([], cleanEnv({ ...env, LETSROBOT_VIDEO_SOURCE: "test", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" }));
    try {
      await until(() => robot.stderr().includes("video and audio go to"), 10_000, "where the video goes");
      expect(robot.stderr()).toContain(`video and audio go to http://127.0.0.1:1567/ (platform.transmit_url is empty: Remo's relay port; on a letsrobot serve, set transmit_url to the server's URL)`);
    } finally {
      await robot.interrupt();
    }
  }, 20_000);
});
