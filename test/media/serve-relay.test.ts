import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { type StreamTarget, toStreamPlan } from "../../lib/media/plan.ts";
import { superviseStreams } from "../../lib/media/supervisor.ts";
import { socketUploader } from "../../lib/media/upload.ts";
import { resolveEndpoints } from "../../lib/platform/client.ts";
import { type Platform, type RobotCredentials, startPlatform } from "../../lib/server/platform.ts";
import { alive, probeStreams, smallConfig, testLogger, waitUntil } from "./helpers.ts";

/** The synthetic source streamed into `letsrobot serve`'s relay, read back as a viewer would. */
let platform: Platform;
let robot: RobotCredentials;

beforeAll(async () => {
  platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "letsrobot-serve-")), log: testLogger() });
  robot = await platform.ensureRobot({ name: "mediabot" });
});

afterAll(async () => {
  await platform.close();
});

/** Resolve the relay through the platform's own lookups, as `letsrobot stream` does. */
async function targetFor(streamKey: string): Promise<StreamTarget> {
  const config = defaults();
  const endpoints = await resolveEndpoints({ ...config.platform, server: platform.url, robot_id: robot.robotId, camera_id: robot.cameraId }, { fetch });
  return { relayHost: endpoints.relay.host, videoPort: endpoints.relay.videoPort, audioPort: endpoints.relay.audioPort, streamKey, xres: 320, yres: 240 };
}

/** A viewer websocket collecting binary frames. */
function watch(kind: "video" | "audio") {
  const chunks: Uint8Array[] = [];
  const socket = new WebSocket(`${platform.url.replace("http", "ws")}/ws/stream/${robot.cameraId}/${kind}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => chunks.push(new Uint8Array(event.data as ArrayBuffer));
  const open = new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`viewer socket for ${kind} failed`));
  });
  return { chunks, open, bytes: () => chunks.reduce((n, c) => n + c.byteLength, 0), close: () => socket.close() };
}

describe("stream into letsrobot serve", () => {
  test("viewers receive valid MPEG-TS: MPEG-1 video and MP2 audio on their own PIDs", async () => {
    const video = watch("video");
    const audio = watch("audio");
    await Promise.all([video.open, audio.open]);
    const supervisor = superviseStreams(toStreamPlan(smallConfig(), await targetFor(robot.streamKey), {}, { robotName: robot.name }), { log: testLogger(), upload: socketUploader });
    try {
      await waitUntil(() => video.bytes() > 60000 && audio.bytes() > 6000, 20000, "video and audio at the viewers");
      const live = platform.status();
      expect(JSON.stringify(live)).toContain('"live":true');
      const [v, a] = await Promise.all([probeStreams(video.chunks), probeStreams(audio.chunks)]);
      expect(v.map((s) => [s.codec_type, s.codec_name, s.id])).toEqual([["video", "mpeg1video", "0x100"]]);
      expect(a.map((s) => [s.codec_type, s.codec_name, s.id])).toEqual([["audio", "mp2", "0x110"]]);
      expect(supervisor.status().video.running).toBe(true);
    } finally {
      const pids = [supervisor.status().video.pid, supervisor.status().audio.pid];
      await supervisor.stop();
      video.close();
      audio.close();
      expect(pids.filter(alive)).toEqual([]);
    }
  }, 30000);

  test("a wrong stream key is refused by serve and reported in plain words", async () => {
    const config = smallConfig({ audio: false });
    const supervisor = superviseStreams(toStreamPlan(config, await targetFor("not-the-key")), { log: testLogger(), upload: socketUploader }, { backoff: { baseMs: 50, capMs: 100, jitter: 0 } });
    try {
      await waitUntil(() => supervisor.status().video.lastError !== undefined, 10000, "the refusal");
      expect(supervisor.status().video.lastError).toContain("refused the stream key (HTTP 403)");
      expect(supervisor.status().video.running).toBe(false);
    } finally {
      await supervisor.stop();
    }
  }, 20000);
});
