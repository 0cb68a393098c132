import { describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createLogger } from "../../lib/log.ts";
import type { Endpoints } from "../../lib/platform/client.ts";
import type { RobotSettings } from "../../lib/platform/lookups.ts";
import { describeEvent, type RobotEvent, statusLine } from "../../lib/robot/events.ts";
import { settingsChanges } from "../../lib/robot/handlers.ts";
import type { MediaControl, StreamKind } from "../../lib/robot/media-control.ts";
import { startRobot } from "../../lib/letsrobot/robot.ts";
import { SpeechQueue } from "../../lib/speech/queue.ts";
import { FakeClock, fakeFactory, RecordingDriver } from "./fakes.ts";

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

function recordingMedia() {
  const calls: string[] = [];
  const running = { video: true, audio: true };
  const media: MediaControl = {
    status: () => ({ video: { running: running.video, fps: 30 }, audio: { running: running.audio } }),
    start: async (k: StreamKind) => void (calls.push(`start ${k}`), (running[k] = true)),
    stop: async (k: StreamKind) => void (calls.push(`stop ${k}`), (running[k] = false)),
    restart: async (k: StreamKind) => void calls.push(`restart ${k}`),
    update: async (change) => {
      calls.push(`update ${JSON.stringify(change)}`);
      return [];
    },
    close: async () => void calls.push("close"),
  };
  return { media, calls, running };
}

function setup(options: { boot?: string; delayMs?: number } = {}) {
  const clock = new FakeClock();
  const { factory, channels } = fakeFactory();
  const driver = new RecordingDriver(clock);
  const { media, calls, running } = recordingMedia();
  const said: string[] = [];
  const config = merge(defaults(), {
    platform: { server: "http://127.0.0.1:1", robot_id: "100" },
    behaviour: { status_interval_s: 30 },
    tts: { boot_message: options.boot ?? "", delay_ms: options.delayMs ?? 0 },
  });
  const speech = new SpeechQueue({ clock, delayMs: config.tts.delay_ms, volume: 80, say: async (t) => void said.push(t) });
  const settings: RobotSettings = { xres: 640, yres: 480, micEnabled: true, raw: {} };
  let nextSettings = settings;
  const endpoints: Endpoints = {
    info: new URL("http://127.0.0.1:1"),
    control: { host: "127.0.0.1", port: 1 },
    chat: { host: "127.0.0.1", port: 2 },
    app: { host: "127.0.0.1", port: 3 },
    relay: { host: "127.0.0.1", videoPort: 4, audioPort: 4 },
    owner: "alice",
    settings,
    moderators: ["bob"],
  };
  const events: RobotEvent[] = [];
  const robot = startRobot(
    { config, robotId: "100", cameraId: "200", endpoints, factory },
    { log: createLogger("silent"), clock, driver, media, speech, relookup: async () => endpoints, fetchSettings: async () => nextSettings, emit: (e) => events.push(e) },
  );
  const [control, chat, app] = channels as [(typeof channels)[0], (typeof channels)[0], (typeof channels)[0]];
  for (const c of [control, chat, app]) c.accept();
  return { clock, driver, calls, running, said, events, robot, control, chat, app, setSettings: (s: RobotSettings) => (nextSettings = s) };
}

describe("robot event handling (fake sockets, fake clock)", () => {
  test("identifies each socket with its role; the app socket reports truthful video status at once and periodically", async () => {
    const { control, chat, app, clock, running } = setup();
    expect(control.emitted[0]).toEqual({ event: "robot_id", data: "100" });
    expect(chat.emitted[0]).toEqual({ event: "identify_robot_id", data: "100" });
    expect(chat.options.auth).toEqual({ role: "chat" });
    expect(app.emitted.find((e) => e.event === "send_video_status")?.data).toEqual({ send_video_process_exists: true, ffmpeg_process_exists: true, camera_id: "200" });
    running.video = false;
    running.audio = false;
    for (let t = 0; t < 30; t++) {
      clock.advance(1000); // in steps, so the fake server's acks keep the sockets alive
      await tick();
    }
    expect(app.emitted.filter((e) => e.event === "send_video_status").at(-1)?.data).toEqual({ send_video_process_exists: false, ffmpeg_process_exists: false, camera_id: "200" });
  });

  test("VIDON/VIDOFF on the app socket start and stop video", async () => {
    const { app, calls } = setup();
    app.push("command_to_robot", { robot_id: "100", command: "VIDOFF", user: "alice" });
    app.push("command_to_robot", { robot_id: "100", command: "vidon", user: "alice" });
    await tick();
    expect(calls).toEqual(["stop video", "start video"]);
  });

  test("owner chat commands reach media and speech; moderators' too; .stop halts the motors", async () => {
    const { chat, control, calls, driver, said } = setup();
    const say = (name: string, text: string) => chat.push("chat_message_with_name", { name, message: `[bot] ${text}`, robot_id: "100" });
    say("alice", ".video bitrate 600");
    say("bob", ".mic mute");
    say("alice", ".audio restart");
    await tick();
    expect(calls).toEqual(['update {"bitrateKbps":600}', "stop audio", "restart audio"]);
    control.push("command_to_robot", { robot_id: "100", command: "F", user: "eve", key_position: "down" });
    say("bob", ".stop");
    expect(driver.moving).toBe(false);
    say("alice", ".tts mute");
    say("eve", "hello");
    await tick();
    expect(said).toEqual([]);
  });

  test("exclusive_control from the platform restricts driving to one user until it ends", () => {
    const { app, control, events } = setup();
    app.push("exclusive_control", { status: "start", robot_id: "100", user: "carol" });
    control.push("command_to_robot", { robot_id: "100", command: "L", user: "eve" });
    control.push("command_to_robot", { robot_id: "100", command: "L", user: "carol" });
    app.push("exclusive_control", { status: "end", robot_id: "100" });
    control.push("command_to_robot", { robot_id: "100", command: "L", user: "eve" });
    expect(events.filter((e) => e.type === "command").map((e) => (e as { accepted: boolean }).accepted)).toEqual([false, true, true]);
  });

  test("the driver's own release always gets through; a banned user's release of someone else's move does not", async () => {
    const { chat, control, driver } = setup();
    control.push("command_to_robot", { robot_id: "100", command: "F", user: "eve", key_position: "down" });
    chat.push("chat_message_with_name", { name: "alice", message: "[bot] .ban eve", robot_id: "100" });
    await tick();
    expect(driver.moving).toBe(true);
    control.push("command_to_robot", { robot_id: "100", command: "F", user: "eve", key_position: "up" });
    expect(driver.moving).toBe(false);
    control.push("command_to_robot", { robot_id: "100", command: "B", user: "carol", key_position: "down" });
    await tick();
    control.push("command_to_robot", { robot_id: "100", command: "B", user: "eve", key_position: "up" });
    expect(driver.moving).toBe(true);
  });

  test("user_blocked and user_timeout from the platform: no driving, not spoken", async () => {
    const { chat, control, events, said } = setup();
    chat.push("user_blocked", { username: "Eve" });
    chat.push("user_timeout", { username: "mallory", timeout: 60 });
    control.push("command_to_robot", { robot_id: "100", command: "L", user: "eve" });
    control.push("command_to_robot", { robot_id: "100", command: "L", user: "mallory" });
    chat.push("chat_message_with_name", { name: "mallory", message: "[bot] hi", robot_id: "100" });
    await tick();
    expect(events.filter((e) => e.type === "command").map((e) => (e as { accepted: boolean }).accepted)).toEqual([false, false]);
    expect(said).toEqual([]);
  });

  test("a control socket drop stops a held move at once", async () => {
    const { control, driver, events } = setup();
    control.push("command_to_robot", { robot_id: "100", command: "F", user: "eve", key_position: "down" });
    await tick();
    control.drop();
    expect(driver.moving).toBe(false);
    expect(events.some((e) => e.type === "stop" && e.reason === "disconnect")).toBe(true);
  });

  test("message_removed cancels a delayed message; the boot message is said once", async () => {
    const { chat, clock, said } = setup({ boot: "robot online", delayMs: 3000 });
    chat.push("chat_message_with_name", { name: "eve", message: "[bot] rude words", robot_id: "100", _id: "m9" });
    chat.push("message_removed", { message_id: "m9" });
    clock.advance(3000);
    await tick();
    clock.advance(3000);
    await tick();
    expect(said).toEqual(["robot online"]);
  });

  test("charge_state goes out when the driver's charging state changes", async () => {
    const { app, clock, driver } = setup();
    driver.battery = { volts: 7.4, charging: false };
    clock.advance(1000);
    driver.battery = { volts: 8.1, charging: true };
    clock.advance(1000);
    clock.advance(5000);
    expect(app.emitted.filter((e) => e.event === "charge_state").map((e) => e.data)).toEqual([
      { robot_id: "100", charging: false },
      { robot_id: "100", charging: true },
    ]);
  });

  test("robot_settings_changed restarts only what changed", async () => {
    const { app, calls, events, setSettings } = setup();
    setSettings({ xres: 320, yres: 240, micEnabled: true, raw: {} });
    app.push("robot_settings_changed", {});
    await tick();
    setSettings({ xres: 320, yres: 240, micEnabled: false, raw: {} });
    app.push("robot_settings_changed", {});
    await tick();
    app.push("robot_settings_changed", {});
    await tick();
    expect(calls).toEqual(['update {"xres":320,"yres":240}', 'update {"micEnabled":false}']);
    expect(events.filter((e) => e.type === "settings").map((e) => (e as { changed: string[] }).changed)).toEqual([["resolution"], ["mic"], []]);
  });

  test("status line and event descriptions", async () => {
    const { robot, control } = setup();
    control.push("command_to_robot", { robot_id: "100", command: "R", user: "eve" });
    await tick();
    const line = statusLine(robot.status());
    expect(line).toMatch(/^control up chat up app up \| video 30 fps \| moving \| last R by eve/);
    expect(describeEvent({ type: "command", user: "", command: "F", key_position: "", accepted: false, reason: "x" })).toBe("refused F from anonymous: x");
    expect(settingsChanges({ xres: 1, yres: 1, micEnabled: true, raw: {} }, { xres: 1, yres: 1, micEnabled: true, raw: {} })).toEqual([]);
  });
});
