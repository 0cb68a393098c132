import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createLogger } from "../../lib/log.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { runProcess } from "../../lib/process/run.ts";
import { runRobot } from "../../commands/run.ts";
import { startPlatform } from "../../lib/server/platform.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { alive, spawnRun } from "../robot/run-process.ts";
import { connect, emitAck, nextEvent, until } from "../server/helpers.ts";
import { REMO_KEY, startRemoTestServer } from "./remo-server.ts";

/** `run` in Remo mode end to end: against `serve`'s Remo endpoint in-process, and the CLI against the Remo test server. */
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("run (protocol = remo) against serve's Remo endpoint", () => {
  test("a viewer drives the simulated robot, owner chat commands answer in chat, video reaches the relay", async () => {
    const platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "letsrobot-serve-")), log: createLogger("silent") });
    cleanups.push(() => platform.close());
    const rover = await platform.ensureRobot({ name: "rover", owner: "ann" });
    const config = merge(defaults(), {
      platform: { protocol: "remo", server: platform.url, transmit_url: platform.url, robot_key: rover.robotKey, channel: "rover" },
      video: { enabled: true, source: "test", width: 160, height: 120, fps: 10 },
      audio: { enabled: false },
      tts: { enabled: false },
    });
    const shutdown = new AbortController();
    const events: Record<string, unknown>[] = [];
    const of = (type: string) => events.filter((e) => e.type === type);
    const done = runRobot(
      { config, json: true },
      { log: createLogger("silent"), out: { text: (l) => events.push(JSON.parse(l)), json: () => {} }, env: { HOME: mkdtempSync(join(tmpdir(), "letsrobot-remo-")) }, fetch, shutdown: shutdown.signal, interactive: false, runProcess },
    );
    cleanups.push(async () => {
      shutdown.abort("SIGINT");
      await done;
    });
    await until(() => of("online").length === 1, 10_000, "robot online");
    expect(of("online")[0]).toMatchObject({ robot_id: rover.robotId });

    const opened: ReturnType<typeof connectSocket>[] = [];
    cleanups.push(() => opened.forEach((c) => c.close()));
    const owner = await connect(connectSocket, platform.url, { token: rover.ownerToken }, opened);
    expect(await emitAck(owner, "command_to_robot", { robot_id: rover.robotId, command: "F", key_position: "" })).toMatchObject({ ok: true });
    await until(() => of("stop").some((e) => e.reason === "pulse-end"), 5000, "forward pulse ran and ended");
    expect(of("command")).toEqual([expect.objectContaining({ command: "f", user: "ann", accepted: true })]);

    await emitAck(owner, "watch_robot", { robot_id: rover.robotId });
    const reply = nextEvent<{ name: string; message: string }>(owner, "chat_message_with_name", 5000, (m) => m.name === "rover");
    await emitAck(owner, "chat_message", { robot_id: rover.robotId, message: ".table on" });
    expect((await reply).message).toBe("[rover] table mode on");

    await until(() => platform.status().robots.some((r) => r.name === "rover" && r.video_live), 15_000, "video live at the relay");
  }, 30_000);
});

describe("letsrobot run (CLI) with LETSROBOT_PLATFORM_PROTOCOL=remo", () => {
  test("joins, obeys, exits 130 on Ctrl-C, never prints the robot key", async () => {
    const server = startRemoTestServer();
    cleanups.push(() => server.stop());
    const run = spawnRun(
      ["--json"],
      cleanEnv({
        LETSROBOT_PLATFORM_PROTOCOL: "remo",
        LETSROBOT_PLATFORM_SERVER: server.url,
        LETSROBOT_PLATFORM_ROBOT_KEY: REMO_KEY,
        LETSROBOT_PLATFORM_CHANNEL: "rover",
        LETSROBOT_VIDEO_ENABLED: "false",
        LETSROBOT_AUDIO_ENABLED: "false",
        LETSROBOT_TTS_ENABLED: "false",
      }),
    );
    cleanups.push(async () => {
      if (alive(run.pid)) await run.interrupt();
    });
    await run.waitForJson((e) => e.type === "online", 15_000);
    server.send("BUTTON_COMMAND", { user: { username: "vera" }, button: { id: "b", label: "Right", command: "r" }, channel: "chan-rover" });
    await run.waitForJson((e) => e.type === "command" && e.command === "r" && e.accepted === true);
    expect(await run.interrupt()).toBe(130);
    expect(run.stderr() + run.lines.join("\n")).not.toContain(REMO_KEY);
  }, 30_000);
});
