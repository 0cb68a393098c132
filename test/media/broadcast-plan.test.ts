import { describe, expect, test } from "bun:test";
import { type Config, defaults } from "../../lib/config/schema.ts";
import type { DoctorContext } from "../../lib/doctor/check.ts";
import { checks, runChecks } from "../../lib/doctor/checks.ts";
import { type Broadcaster, startBroadcast } from "../../lib/media/broadcast.ts";
import { toBroadcastPlan, streamKeyProblem } from "../../lib/media/broadcast-plan.ts";
import { FLV_AUDIO, FLV_VIDEO, type FlvTag } from "../../lib/media/flv.ts";
import { h264Args, h264Level } from "../../lib/media/h264.ts";
import { describePlan, toStreamPlan } from "../../lib/media/plan.ts";
import type { RtmpConnection } from "../../lib/media/rtmp.ts";
import { formatStatusLine } from "../../lib/media/status.ts";
import { testLogger, waitUntil } from "./helpers.ts";
import { flvBytes } from "./flv-bytes.ts";

const KEY = "live_123456789_abcdefghijklmnopqrstuvwxyz";

function twitchConfig(twitch: Partial<Config["twitch"]> = {}): Config {
  const config = defaults();
  Object.assign(config.twitch, { stream_key: KEY, ...twitch });
  return config;
}

describe("H.264 arguments", () => {
  const levels: [number, number, number, number, string][] = [
    [640, 480, 30, 2500, "3.0"],
    [1280, 720, 30, 4500, "3.1"],
    [1280, 720, 60, 6000, "3.2"],
    [1920, 1080, 30, 6000, "4.0"],
    [1920, 1080, 30, 30000, "4.1"],
    [1920, 1080, 60, 6000, "4.2"],
    [3840, 2160, 30, 20000, "5.1"],
  ];
  for (const [w, h, fps, kbps, level] of levels) test(`${w}x${h}@${fps} ${kbps} kbit/s → level ${level}`, () => expect(h264Level(w, h, fps, kbps)).toBe(level));

  test("libx264: strict CBR, a keyframe every 2 s and no sooner, no B-frames, Main profile", () => {
    const args = h264Args({ encoder: "libx264", fps: 30, bitrateKbps: 2500, keyframeSeconds: 2, broadcast: { width: 640, height: 480 } }).join(" ");
    for (const part of ["-codec:v libx264", "-b:v 2500k -maxrate 2500k -bufsize 2500k", "-g 60", "-keyint_min 60", "-sc_threshold 0", "-bf 0", "-profile:v main", "-level:v 3.0", "nal-hrd=cbr", "-tune zerolatency"]) {
      expect(args).toContain(part);
    }
  });

  test("h264_v4l2m2m: the Pi encoder with numeric profile and level", () => {
    const args = h264Args({ encoder: "h264_v4l2m2m", fps: 25, bitrateKbps: 3000, keyframeSeconds: 2, broadcast: { width: 1280, height: 720 } }).join(" ");
    expect(args).toContain("-codec:v h264_v4l2m2m");
    expect(args).toContain("-g 50");
    expect(args).toContain("-profile:v 77 -level 31");
    expect(args).not.toContain("x264");
  });

  test("the relay's H.264 (MPEG-TS) keeps its own shape: a keyframe a second, one thread, no broadcast extras", () => {
    const args = h264Args({ encoder: "libx264", fps: 30, bitrateKbps: 300, keyframeSeconds: 1, threads: 1, inBandHeaders: true });
    expect(args).toEqual(["-codec:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-b:v", "300k", "-maxrate", "300k", "-bufsize", "300k", "-g", "30", "-bf", "0", "-threads", "1"]);
    expect(h264Args({ encoder: "h264_v4l2m2m", fps: 30, bitrateKbps: 300, keyframeSeconds: 1, inBandHeaders: true })).toContain("dump_extra=freq=keyframe");
  });

  test("the broadcast uses the robot's H.264 encoder choice (video.encoder; auto = the Pi's hardware encoder when present)", () => {
    const pi = { cameras: [{ name: "bcm2835-codec-encode", path: "/dev/video11" }] };
    expect(toBroadcastPlan(twitchConfig(), pi)?.encoder).toBe("h264_v4l2m2m");
    expect(toBroadcastPlan(twitchConfig(), {})?.encoder).toBe("libx264");
  });
});

describe("broadcast plan", () => {
  test("no stream key, no broadcast", () => {
    expect(toBroadcastPlan(defaults(), {})).toBeUndefined();
  });

  test("the capture processes gain an FLV output on fd 3; the key is in no argv and redacted from the dry run", () => {
    const config = twitchConfig({ width: 1280, height: 720, video_bitrate_kbps: 3000 });
    const broadcast = toBroadcastPlan(config, {});
    const plan = toStreamPlan(config, { relayHost: "127.0.0.1", videoPort: 1, audioPort: 2, streamKey: "relaykey", xres: 640, yres: 480 }, {}, { broadcast });
    expect([plan.video?.flv, plan.audio?.flv]).toEqual([true, true]);
    const video = plan.video?.argv.join(" ") ?? "";
    expect(video).toContain("pipe:1");
    expect(video).toContain("scale=1280:720");
    expect(video).toMatch(/-pix_fmt yuv420p -r 30 -codec:v libx264 .*-f flv/);
    expect(video).toMatch(/-f flv .*pipe:3$/);
    expect(plan.audio?.argv.join(" ")).toMatch(/-codec:a aac -b:a 128k .*-f flv .*pipe:3$/);
    for (const p of [plan.video, plan.audio]) expect(p?.argv.join(" ")).not.toContain(KEY);
    const shown = describePlan(plan).join("\n");
    expect(shown).not.toContain(KEY);
    expect(shown).toContain("# broadcast: H.264 (libx264, 1280x720, 3000 kbit/s CBR) + AAC from fd 3 of the processes above → RTMP rtmp://live.twitch.tv/app/***");
    expect(plan.secrets).toContain(KEY);
  });

  test("bad settings are config errors naming the key and the fix", () => {
    expect(() => toBroadcastPlan(twitchConfig({ ingest: "http://x/app" }), {})).toThrow("twitch.ingest");
    expect(() => toBroadcastPlan(twitchConfig({ stream_key: "live_1 2" }), {})).toThrow("spaces");
    const noVideo = twitchConfig();
    Object.assign(noVideo.video, { enabled: false });
    expect(() => toBroadcastPlan(noVideo, {})).toThrow("a broadcast needs video");
  });

  const keys: [string, string, string | undefined][] = [
    [KEY, "rtmp://live.twitch.tv/app", undefined],
    ["live_1234_short", "rtmp://live.twitch.tv/app", "does not look like a Twitch key"],
    ["abc-def", "rtmp://a.rtmp.youtube.com/live2", undefined],
    ["abc def", "rtmp://127.0.0.1/live", "spaces"],
    ["", "rtmp://live.twitch.tv/app", "empty"],
    ["kéy", "rtmp://127.0.0.1/live", "characters"],
  ];
  for (const [key, ingest, problem] of keys) {
    test(`key ${JSON.stringify(key)} for ${ingest}: ${problem ?? "fine"}`, () => {
      const found = streamKeyProblem(key, ingest);
      if (problem === undefined) expect(found).toBeUndefined();
      else expect(found).toContain(problem);
    });
  }
});

describe("status line", () => {
  const video = { running: true, fps: 30, kbps: 1000, frames: 90, speed: 1, restarts: 0 };
  test("the broadcast joins the line: live with its bitrate, or DOWN with its restarts", () => {
    expect(formatStatusLine({ video, broadcast: { running: true, kbps: 2512.4, restarts: 1, bytes: 1, dropped: 0 } })).toBe("video 30.0 fps 1000 kbit/s 90 frames 1.00x | audio off | twitch 2512 kbit/s 1 restarts");
    expect(formatStatusLine({ video, broadcast: { running: false, restarts: 3, bytes: 1, dropped: 0 } })).toBe("video 30.0 fps 1000 kbit/s 90 frames 1.00x | audio off | twitch DOWN (3 restarts)");
  });
});

describe("doctor: the broadcast check", () => {
  const twitchCheck = checks.filter((c) => c.id === "twitch");
  const ctx = (config: Config, resolveHost?: DoctorContext["resolveHost"], resolveTimeoutMs?: number): DoctorContext => ({
    config,
    fetch,
    runProcess: async () => ({ code: 0, stdout: "", stderr: "", missing: false }) as never,
    sysRoot: "/nonexistent",
    procRoot: "/nonexistent",
    devRoot: "/nonexistent",
    dataDir: "/tmp",
    path: "",
    now: () => new Date(),
    resolveHost,
    resolveTimeoutMs,
  });

  test("skipped without a key; a well-formed key and a resolving ingest pass", async () => {
    expect((await runChecks(ctx(defaults()), twitchCheck))[0]?.status).toBe("skip");
    const [result] = await runChecks(ctx(twitchConfig(), async () => "192.0.2.7"), twitchCheck);
    expect([result?.status, result?.detail]).toEqual(["pass", "key present; ingest rtmp://live.twitch.tv/app (live.twitch.tv is 192.0.2.7)"]);
    expect(result?.detail).not.toContain(KEY);
  });

  test("a malformed key, a bad ingest, a host that does not resolve, or one that never answers, fail", async () => {
    const results = await Promise.all([
      runChecks(ctx(twitchConfig({ stream_key: "live_1_x" }), async () => "192.0.2.7"), twitchCheck),
      runChecks(ctx(twitchConfig({ ingest: "rtmp://live.twitch.tv" }), async () => "192.0.2.7"), twitchCheck),
      runChecks(ctx(twitchConfig(), async () => Promise.reject(new Error("getaddrinfo ENOTFOUND live.twitch.tv"))), twitchCheck),
      runChecks(ctx(twitchConfig(), () => new Promise<string>(() => {}), 100), twitchCheck),
    ]);
    expect(results.map((r) => [r[0]?.status, r[0]?.required])).toEqual([["fail", true], ["fail", true], ["fail", true], ["fail", true]]);
    expect(results.map((r) => r[0]?.detail)).toEqual([
      "twitch.stream_key does not look like a Twitch key (live_<digits>_<letters and digits>)",
      'twitch.ingest: "rtmp://live.twitch.tv" names no application path (e.g. rtmp://live.twitch.tv/app)',
      "the ingest host live.twitch.tv does not resolve: getaddrinfo ENOTFOUND live.twitch.tv",
      "the ingest host live.twitch.tv does not resolve: no answer within 100 ms",
    ]);
  });
});

/** A connection that records what it is sent; `end` closes it like a dropped link. */
function fakeConnection(buffered = () => 0) {
  const sent: { type: number; timestamp: number; body: Uint8Array }[] = [];
  let close!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => {
    close = resolve;
  });
  const connection: RtmpConnection = {
    publish: async () => {},
    send: (type, timestamp, body) => void sent.push({ type, timestamp, body }),
    buffered,
    written: () => sent.reduce((n, m) => n + m.body.length, 0),
    closed,
    close: (reason) => close(reason ?? "closed by letsrobot"),
  };
  return { connection, sent, end: close };
}

describe("broadcaster (fake connections)", () => {
  const target = { ingest: { secure: false, host: "127.0.0.1", port: 1, app: "live", tcUrl: "rtmp://127.0.0.1:1/live" }, streamKey: KEY, metadata: { width: 320, height: 240, fps: 30, videoKbps: 500, audioKbps: 128 } };
  const avcHeader: FlvTag = { type: FLV_VIDEO, timestamp: 0, data: Uint8Array.of(0x17, 0, 0, 0, 0, 1) };
  const aacHeader: FlvTag = { type: FLV_AUDIO, timestamp: 0, data: Uint8Array.of(0xaf, 0, 0x12, 0x10) };
  const key = (t: number): FlvTag => ({ type: FLV_VIDEO, timestamp: t, data: Uint8Array.of(0x17, 1, 0, 0, 0, 5) });
  const inter = (t: number): FlvTag => ({ type: FLV_VIDEO, timestamp: t, data: Uint8Array.of(0x27, 1, 0, 0, 0, 6) });
  const kinds = (sent: { type: number; body: Uint8Array }[]) => sent.map((m) => (m.type === 18 ? "meta" : m.type === FLV_AUDIO ? (m.body[1] === 0 ? "aac-header" : "aac") : m.body[1] === 0 ? "avc-header" : m.body[0] === 0x17 ? "key" : "inter"));
  let broadcaster: Broadcaster | undefined;

  test("after a reconnect the headers are sent again and video resumes at a keyframe; a restarted ffmpeg keeps time moving forward", async () => {
    const links = [fakeConnection(), fakeConnection()];
    let opened = 0;
    broadcaster = startBroadcast(target, { log: testLogger(), connect: async () => (links[opened++] as ReturnType<typeof fakeConnection>).connection }, { backoff: { baseMs: 10, capMs: 10, jitter: 0 } });
    try {
      await waitUntil(() => (links[0]?.sent.length ?? 0) > 0, 1000, "the first connection publishing");
      const video = broadcaster.feed("video");
      const audio = broadcaster.feed("audio");
      audio(flvBytes([aacHeader]));
      video(flvBytes([avcHeader, inter(0), key(33), inter(66)]));
      expect(kinds(links[0]?.sent ?? [])).toEqual(["meta", "aac-header", "avc-header", "key", "inter"]);
      links[0]?.end("the server closed the connection");
      await waitUntil(() => opened === 2, 1000, "a second connection");
      await waitUntil(() => (links[1]?.sent.length ?? 0) >= 3, 1000, "headers on the new connection");
      const restarted = broadcaster.feed("video"); // a new ffmpeg: its timestamps start at 0 again
      restarted(flvBytes([avcHeader, inter(0), key(33)]));
      expect(kinds(links[1]?.sent ?? [])).toEqual(["meta", "avc-header", "aac-header", "avc-header", "key"]);
      const stamps = (links[1]?.sent ?? []).filter((m) => m.type === FLV_VIDEO && m.body[1] === 1).map((m) => m.timestamp);
      expect(stamps[0]).toBeGreaterThanOrEqual(66);
      expect(broadcaster.status().restarts).toBe(1);
      expect(broadcaster.status().lastError).toBe("the server closed the connection");
    } finally {
      await broadcaster.stop();
    }
  });

  test("a slow uplink drops video until the next keyframe instead of queueing without bound", async () => {
    let backlog = 0;
    const link = fakeConnection(() => backlog);
    broadcaster = startBroadcast(target, { log: testLogger(), connect: async () => link.connection }, { maxBufferedBytes: 1000 });
    try {
      await waitUntil(() => link.sent.length > 0, 1000, "the connection");
      const video = broadcaster.feed("video");
      video(flvBytes([avcHeader, key(0), inter(33)]));
      backlog = 5000;
      const more = broadcaster.feed("video");
      more(flvBytes([inter(66), inter(99)]));
      backlog = 0;
      const after = broadcaster.feed("video");
      after(flvBytes([inter(132), key(165), inter(198)]));
      // 66 and 99 dropped while the backlog was high; 132 waits for a keyframe after the drop
      expect(kinds(link.sent)).toEqual(["meta", "avc-header", "key", "inter", "key", "inter"]);
      const stamps = link.sent.filter((m) => m.type === FLV_VIDEO).map((m) => m.timestamp);
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
      expect(broadcaster.status().dropped).toBe(2);
    } finally {
      await broadcaster.stop();
    }
  });

  test("an ingest that takes nothing (bytes pile up) is dropped after stallMs and connected again", async () => {
    const links = [fakeConnection(() => 10_000_000), fakeConnection()];
    let opened = 0;
    broadcaster = startBroadcast(target, { log: testLogger(), connect: async () => (links[opened++] as ReturnType<typeof fakeConnection>).connection }, { stallMs: 300, maxBufferedBytes: 1000, backoff: { baseMs: 10, capMs: 10, jitter: 0 } });
    try {
      await waitUntil(() => opened === 2, 3000, "a second connection after the stall");
      expect(broadcaster.status().lastError).toMatch(/^the ingest took nothing for 0\.3 s \(10000000 bytes waiting\): network down or ingest frozen$/);
      await Bun.sleep(700); // past the stall window again: the healthy connection stays
      expect(opened).toBe(2);
    } finally {
      await broadcaster.stop();
    }
  });

  test("an ingest that never answers publish is dropped after publishTimeoutMs and tried again", async () => {
    const silent = fakeConnection();
    silent.connection.publish = () => new Promise(() => {});
    const links = [silent, fakeConnection()];
    let opened = 0;
    broadcaster = startBroadcast(target, { log: testLogger(), connect: async () => (links[opened++] as ReturnType<typeof fakeConnection>).connection }, { publishTimeoutMs: 200, backoff: { baseMs: 10, capMs: 10, jitter: 0 } });
    try {
      await waitUntil(() => opened === 2 && (links[1]?.sent.length ?? 0) > 0, 3000, "the second connection publishing");
      expect(broadcaster.status().lastError).toBe("the ingest did not start the stream within 0.2 s");
    } finally {
      await broadcaster.stop();
    }
  });

  test("stop() while the ingest has not answered publish yet ends at once", async () => {
    const silent = fakeConnection();
    silent.connection.publish = () => new Promise(() => {});
    let opened = 0;
    broadcaster = startBroadcast(target, { log: testLogger(), connect: async () => (opened++, silent.connection) });
    await waitUntil(() => opened === 1, 1000, "the connection");
    const stopped = broadcaster.stop().then(() => "stopped");
    expect(await Promise.race([stopped, Bun.sleep(1000).then(() => "still waiting")])).toBe("stopped");
  });
});
