import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { waitConnected } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { connectLegacySocket } from "../../lib/net/socket-client-legacy.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { until } from "../robot/harness.ts";
import { alive, type RunProcess, spawnRun } from "../robot/run-process.ts";
import { deepArray, deepObject, fc, payload } from "./arbitraries.ts";

/**
 * The real `letsrobot run` (embedded platform, simulated robot) under a bounded burst of fuzzed events over
 * real socket.io from 127.0.0.1: it stays up, and a normal viewer's command still reaches the robot.
 */
let run: RunProcess;
let url = "";
let robotId = "";
const opened: SocketChannel[] = [];

beforeAll(async () => {
  run = spawnRun(["--port", "0", "--json"], cleanEnv({ LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" }));
  const online = await run.waitForJson<{ robot_id: string; viewer_url: string }>((e) => e.type === "online", 30_000);
  robotId = online.robot_id;
  url = new URL(online.viewer_url).origin.replace(/\/\/[^:/]+/, "//127.0.0.1");
}, 40_000);

afterAll(async () => {
  for (const c of opened) c.close();
  if (run && alive(run.pid)) await run.interrupt();
});

const events = ["command_to_robot", "chat_message", "watch_robot", "robot_id", "identify_robot_id", "send_video_status", "charge_state", "ip_information", "set_exclusive_control", "remove_message", "update_robot", "set_moderators", "custom_event", "nope"];

async function open(factory: typeof connectSocket, auth?: Record<string, string>): Promise<SocketChannel> {
  const channel = factory({ url, auth, reconnect: false, timeoutMs: 5000 });
  opened.push(channel);
  await waitConnected(channel, 10_000);
  return channel;
}

describe("an embedded run under a fuzz burst", () => {
  test("stays up and keeps obeying a normal viewer", async () => {
    const plausible = { robotIds: [robotId, Number(robotId), "1"], words: ["F", "down", "up", "stop", "hi"] };
    const payloads = fc.sample(payload(plausible, false), 2000);
    const hostile = [JSON.parse('{"toString": 1}'), { robot_id: JSON.parse('{"toString": 1}') }, deepArray(1500), deepObject(1200), { robot_id: robotId, command: "x".repeat(60_000) }];
    const clients = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => open(connectSocket, i % 2 ? { name: `fuzz${i}` } : undefined)),
      ...Array.from({ length: 4 }, () => open(connectLegacySocket)),
      open(connectSocket, { token: "not-a-token", robot_key: "guess", name: "{\"toString\":1}" }),
    ]);
    let sent = 0;
    clients.forEach((client, c) => {
      for (let i = 0; i < 160; i++) {
        const data = i % 20 === 0 ? hostile[(i / 20) % hostile.length] : payloads[(c * 160 + i) % payloads.length];
        const event = events[(c + i) % events.length] ?? "nope";
        if (i % 3 === 0) client.emit(event, data, () => undefined);
        else client.emit(event, data);
        sent += 1;
      }
    });
    expect(sent).toBe(15 * 160);
    await Bun.sleep(1500);
    expect(alive(run.pid)).toBe(true);

    const viewer = await open(connectSocket, { name: "normal" });
    const from = run.lines.length;
    const answer = await new Promise<Record<string, unknown>>((resolve) => viewer.emit("command_to_robot", { robot_id: robotId, command: "F", key_position: "down" }, (r) => resolve(r as Record<string, unknown>)));
    expect(answer).toMatchObject({ ok: true });
    await until(
      () => run.lines.slice(from).some((l) => l.includes('"type":"command"') && l.includes('"user":"normal"') && l.includes('"accepted":true')),
      10_000,
      "the robot accepted the normal viewer's command",
    );
    viewer.emit("command_to_robot", { robot_id: robotId, command: "F", key_position: "up" });
    expect(alive(run.pid)).toBe(true);
    expect(run.stderr()).not.toMatch(/this is a bug|uncaught|unhandled/i);
  }, 60_000);
});
