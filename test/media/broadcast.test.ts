import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { type Broadcaster, startBroadcast } from "../../lib/media/broadcast.ts";
import { toBroadcastPlan } from "../../lib/media/broadcast-plan.ts";
import { type StreamTarget, toStreamPlan } from "../../lib/media/plan.ts";
import { type StreamSupervisor, superviseStreams } from "../../lib/media/supervisor.ts";
import { socketUploader } from "../../lib/media/upload.ts";
import { resolveEndpoints } from "../../lib/platform/client.ts";
import { runProcess } from "../../lib/process/run.ts";
import { type Platform, type RobotCredentials, startPlatform } from "../../lib/server/platform.ts";
import { type NginxRtmp, nginxRtmpAvailable, startNginxRtmp } from "../helpers/nginx-rtmp.ts";
import { probeStreams, smallConfig, testLogger, waitUntil } from "./helpers.ts";
import { startFrozenRelay, startSink } from "./sink.ts";

/**
 * The broadcast against a real RTMP server (nginx-rtmp on 127.0.0.1, recording what arrives) while the same
 * capture processes feed `letsrobot serve`'s relay and its viewers.
 */
const TWITCH_KEY = "live_123456789_abcdefghijklmnopqrstuvwxyz";
const RELAY_KEY = "relay-key-secret";
const PATH_VIDEO = "/KEY/320/240/";
const PATH_AUDIO = "/KEY/640/480/";

let platform: Platform;
let robot: RobotCredentials;
let nginx: NginxRtmp;
let supervisor: StreamSupervisor | undefined;
let broadcaster: Broadcaster | undefined;

beforeAll(async () => {
  if (!nginxRtmpAvailable()) throw new Error("nginx with libnginx-mod-rtmp is not installed: run ./scripts/setup.sh");
  platform = await startPlatform({ host: "127.0.0.1", port: 0, dataDir: mkdtempSync(join(tmpdir(), "letsrobot-serve-")), log: testLogger() });
  robot = await platform.ensureRobot({ name: "castbot" });
  nginx = await startNginxRtmp();
});

afterEach(async () => {
  await supervisor?.stop();
  await broadcaster?.stop();
  supervisor = undefined;
  broadcaster = undefined;
});

afterAll(async () => {
  await nginx?.stop();
  await platform?.close();
});

async function relayTarget(): Promise<StreamTarget> {
  const config = defaults();
  const endpoints = await resolveEndpoints({ ...config.platform, server: platform.url, robot_id: robot.robotId, camera_id: robot.cameraId }, { fetch });
  return { relayHost: endpoints.relay.host, videoPort: endpoints.relay.videoPort, audioPort: endpoints.relay.audioPort, streamKey: robot.streamKey, xres: 320, yres: 240 };
}

/** A viewer websocket on the relay, as the viewer page opens it. */
function viewer(kind: "video" | "audio") {
  let bytes = 0;
  const socket = new WebSocket(`${platform.url.replace("http", "ws")}/ws/stream/${robot.cameraId}/${kind}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = (event) => {
    bytes += (event.data as ArrayBuffer).byteLength;
  };
  return { bytes: () => bytes, close: () => socket.close() };
}

async function start(backoff = { baseMs: 200, capMs: 1000, jitter: 0 }, relay?: StreamTarget) {
  const config = smallConfig();
  Object.assign(config.twitch, { stream_key: TWITCH_KEY, ingest: nginx.ingest, video_bitrate_kbps: 600 });
  const cast = toBroadcastPlan(config);
  if (!cast) throw new Error("no broadcast plan");
  const plan = toStreamPlan(config, relay ?? (await relayTarget()), {}, { robotName: robot.name, broadcast: cast });
  broadcaster = startBroadcast(cast.target, { log: testLogger() }, { backoff });
  supervisor = superviseStreams(plan, { log: testLogger(), upload: socketUploader, broadcaster }, { backoff });
  return { supervisor, broadcaster };
}

interface Probed {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; profile?: string; sample_rate?: string }[];
  keyframes: number[];
  /** The first video packet is a keyframe. */
  startsWithKeyframe: boolean;
}

async function probe(file: string): Promise<Probed> {
  const streams = await runProcess("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height,profile,sample_rate", "-of", "json", file], { timeoutMs: 10000 });
  const packets = await runProcess("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", file], { timeoutMs: 10000 });
  const rows = packets.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(","));
  const keyframes = rows.filter(([, flags]) => flags?.startsWith("K")).map(([time]) => Number(time));
  return { streams: JSON.parse(streams.stdout).streams, keyframes, startsWithKeyframe: rows[0]?.[1]?.startsWith("K") === true };
}

const totalRecorded = async () => {
  let total = 0;
  for (const file of nginx.recordings()) total += Bun.file(file).size;
  return total;
};

describe("broadcast to an RTMP server while the relay streams", () => {
  test("H.264 + AAC arrive at nginx-rtmp (320x240, a keyframe every 2 s) while viewers get the relay streams", async () => {
    const video = viewer("video");
    const audio = viewer("audio");
    try {
      await start();
      await waitUntil(() => broadcaster?.status().running === true, 20000, "the broadcast to be live");
      const liveAt = performance.now();
      await waitUntil(() => performance.now() - liveAt > 7000, 9000, "7 s of broadcast");
      expect(video.bytes()).toBeGreaterThan(50000);
      expect(audio.bytes()).toBeGreaterThan(5000);
      expect(supervisor?.status().video.running).toBe(true);
      expect(supervisor?.status().audio.running).toBe(true);
      await supervisor?.stop();
      await broadcaster?.stop();
      const [file] = nginx.recordings();
      expect(file).toBeDefined();
      const probed = await probe(file as string);
      expect(probed.streams.map((s) => [s.codec_type, s.codec_name]).sort()).toEqual([["audio", "aac"], ["video", "h264"]]);
      const h264 = probed.streams.find((s) => s.codec_type === "video");
      expect([h264?.width, h264?.height, h264?.profile]).toEqual([320, 240, "Main"]);
      expect(probed.startsWithKeyframe).toBe(true);
      expect(probed.keyframes.length).toBeGreaterThanOrEqual(3);
      const gaps = probed.keyframes.slice(1).map((t, i) => t - (probed.keyframes[i] as number));
      for (const gap of gaps) expect(Math.abs(gap - 2)).toBeLessThan(0.1);
    } finally {
      video.close();
      audio.close();
    }
  }, 40000);

  test("the RTMP server dies mid-stream: the relay streams go on untouched, the broadcast comes back with the server; no key in ps", async () => {
    const video = viewer("video");
    try {
      await start();
      await waitUntil(() => broadcaster?.status().running === true, 20000, "the broadcast to be live");
      const pids = [supervisor?.status().video.pid, supervisor?.status().audio.pid];
      const listing = await runProcess("ps", ["-eo", "args"]);
      expect(listing.stdout).toContain("pipe:3");
      expect(listing.stdout).not.toContain(TWITCH_KEY);
      expect(listing.stdout).not.toContain(robot.streamKey);

      await nginx.kill();
      await waitUntil(() => broadcaster?.status().running === false, 5000, "the broadcast reported down");
      expect(broadcaster?.status().lastError).toMatch(/127\.0\.0\.1:\d+ (closed the connection|refused the connection)/);
      const before = video.bytes();
      const outage = performance.now();
      await waitUntil(() => performance.now() - outage > 3000, 4000, "3 s of outage");
      expect(video.bytes() - before).toBeGreaterThan(20000);
      expect(broadcaster?.status().restarts).toBeGreaterThanOrEqual(2);
      expect([supervisor?.status().video.pid, supervisor?.status().audio.pid]).toEqual(pids);
      expect(supervisor?.status().video.restarts).toBe(0);

      await nginx.restart();
      await waitUntil(() => broadcaster?.status().running === true, 10000, "the broadcast live again");
      await waitUntil(async () => (await totalRecorded()) > 60000, 10000, "a new recording");
      const again = await runProcess("ps", ["-eo", "args"]);
      expect(again.stdout).not.toContain(TWITCH_KEY);
      await supervisor?.stop();
      await broadcaster?.stop();
      const [file] = nginx.recordings();
      const probed = await probe(file as string);
      expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
      // the new recording starts with a picture a player can decode at once
      expect(probed.startsWithKeyframe).toBe(true);
      expect([supervisor?.status().video.restarts, pids.every((pid) => pid !== undefined)]).toEqual([0, true]);
    } finally {
      video.close();
    }
  }, 45000);

  test("the relay dies mid-stream: the broadcast goes on from the same ffmpegs, and the relay streams come back when it returns", async () => {
    const video = startSink(RELAY_KEY);
    const audio = startSink(RELAY_KEY);
    try {
      const target = { relayHost: "127.0.0.1", videoPort: video.port, audioPort: audio.port, streamKey: RELAY_KEY, xres: 320, yres: 240 };
      await start({ baseMs: 200, capMs: 1000, jitter: 0 }, target);
      await waitUntil(() => broadcaster?.status().running === true && supervisor?.status().video.running === true, 20000, "broadcast and relay running");
      const pids = [supervisor?.status().video.pid, supervisor?.status().audio.pid];

      await Promise.all([video.stop(), audio.stop()]);
      await waitUntil(() => supervisor?.status().video.running === false && supervisor.status().audio.running === false, 5000, "the relay streams reported down");
      expect(supervisor?.status().video.lastError).toMatch(/relay at 127\.0\.0\.1:\d+ (refused|closed)/);
      const before = await totalRecorded();
      const outage = performance.now();
      await waitUntil(() => performance.now() - outage > 3000, 4000, "3 s of relay outage");
      expect((await totalRecorded()) - before).toBeGreaterThan(100000); // 3 s at 600 + 128 kbit/s
      expect(broadcaster?.status().running).toBe(true);
      expect([supervisor?.status().video.pid, supervisor?.status().audio.pid]).toEqual(pids);

      const chunksBefore = video.received.get(PATH_VIDEO)?.length ?? 0;
      video.start();
      audio.start();
      await Promise.all([video.waitFor(PATH_VIDEO, 20000, 10000), audio.waitFor(PATH_AUDIO, 2000, 10000)]);
      await waitUntil(() => supervisor?.status().video.running === true && supervisor.status().audio.running === true, 5000, "the relay streams running again");
      expect([supervisor?.status().video.pid, supervisor?.status().audio.pid]).toEqual(pids);
      expect([supervisor?.status().video.restarts, broadcaster?.status().restarts]).toEqual([0, 0]);
      // the new upload starts on a TS packet boundary: the relay reads valid MPEG-TS again
      const received = video.received.get(PATH_VIDEO) ?? [];
      expect(received[chunksBefore]?.[0]).toBe(0x47);
      const streams = await probeStreams(received.slice(chunksBefore));
      expect(streams.map((s) => s.codec_name)).toEqual(["mpeg1video"]);
    } finally {
      await Promise.all([video.stop(), audio.stop()]);
    }
  }, 45000);

  test("a frozen relay (connection open, nothing read) with a broadcast: only that upload is dropped, ffmpeg and the broadcast run on", async () => {
    const frozen = await startFrozenRelay();
    const audio = startSink(RELAY_KEY);
    try {
      await start({ baseMs: 200, capMs: 1000, jitter: 0 }, { relayHost: "127.0.0.1", videoPort: frozen.port, audioPort: audio.port, streamKey: RELAY_KEY, xres: 320, yres: 240 });
      await waitUntil(() => broadcaster?.status().running === true, 20000, "the broadcast live");
      const pids = [supervisor?.status().video.pid, supervisor?.status().audio.pid];
      await waitUntil(() => frozen.laterBytes() > 20000, 20000, "bytes on a new relay connection after the frozen one");
      expect(frozen.connections()).toBeGreaterThanOrEqual(2);
      expect(supervisor?.status().video.lastError).toMatch(/^stalled: the relay at 127\.0\.0\.1:\d+ took nothing for \d\.\d s/);
      expect([supervisor?.status().video.pid, supervisor?.status().audio.pid]).toEqual(pids);
      expect([supervisor?.status().video.restarts, supervisor?.status().audio.restarts]).toEqual([0, 0]);
      expect(broadcaster?.status().running).toBe(true);
    } finally {
      frozen.close();
      await audio.stop();
    }
  }, 45000);
});
