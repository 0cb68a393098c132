import { afterEach, describe, expect, test } from "bun:test";
import { type StreamTarget, toStreamPlan } from "../../lib/media/plan.ts";
import { type StreamSupervisor, superviseStreams } from "../../lib/media/supervisor.ts";
import { socketUploader } from "../../lib/media/upload.ts";
import { alive, commandLine, pesLengths, probeStreams, smallConfig, testLogger, waitUntil } from "./helpers.ts";
import { type Sink, startFrozenRelay, startSink } from "./sink.ts";

const KEY = "k3y-very-secret";
const PATH_VIDEO = "/KEY/320/240/";
const PATH_AUDIO = "/KEY/640/480/";

let supervisor: StreamSupervisor | undefined;
let sinks: Sink[] = [];

afterEach(async () => {
  const pids = supervisor ? [supervisor.status().video.pid, supervisor.status().audio.pid] : [];
  await supervisor?.stop();
  supervisor = undefined;
  for (const pid of pids) if (alive(pid)) process.kill(pid as number, "SIGKILL");
  await Promise.all(sinks.map((s) => s.stop()));
  sinks = [];
});

function relay(key = KEY): { video: Sink; audio: Sink; target: StreamTarget } {
  const video = startSink(KEY);
  const audio = startSink(KEY);
  sinks.push(video, audio);
  return { video, audio, target: { relayHost: "127.0.0.1", videoPort: video.port, audioPort: audio.port, streamKey: key, xres: 320, yres: 240 } };
}

describe("stream supervisor against a loopback relay", () => {
  test("the synthetic source arrives as valid MPEG-TS: MPEG-1 video and MP2 audio; status is truthful; key not in ps", async () => {
    const { video, audio, target } = relay();
    supervisor = superviseStreams(toStreamPlan(smallConfig(), target, {}, { robotName: "testbot" }), { log: testLogger(), upload: socketUploader });
    await Promise.all([video.waitFor(PATH_VIDEO, 40000), audio.waitFor(PATH_AUDIO, 4000)]);
    await waitUntil(() => supervisor?.status().video.running === true && supervisor.status().audio.running === true, 5000, "both streams running");

    const status = supervisor.status();
    expect(status.video.frames).toBeGreaterThan(0);
    expect(status.video.restarts).toBe(0);
    expect(status.audio.bytes).toBeGreaterThan(0);
    for (const pid of [status.video.pid, status.audio.pid]) {
      const args = await commandLine(pid as number);
      expect(args).toContain("ffmpeg");
      expect(args).not.toContain(KEY);
    }

    const [videoStreams, audioStreams] = await Promise.all([probeStreams(video.received.get(PATH_VIDEO) ?? []), probeStreams(audio.received.get(PATH_AUDIO) ?? [])]);
    expect(videoStreams.map((s) => [s.codec_type, s.codec_name])).toEqual([["video", "mpeg1video"]]);
    expect(audioStreams.map((s) => [s.codec_type, s.codec_name])).toEqual([["audio", "mp2"]]);
    // every picture's PES carries its length, so a jsmpeg viewer can finish it without waiting for the next one
    const lengths = pesLengths(video.received.get(PATH_VIDEO) ?? []);
    expect(lengths.length).toBeGreaterThan(10);
    expect(lengths.filter((n) => n === 0)).toEqual([]);

    const pids = [status.video.pid, status.audio.pid];
    await supervisor.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(supervisor.status().video.running).toBe(false);
  }, 20000);

  test("SIGSTOP on ffmpeg: the stall is detected and a new ffmpeg streams again", async () => {
    const { video, target } = relay();
    const config = smallConfig({ audio: false });
    supervisor = superviseStreams(toStreamPlan(config, target), { log: testLogger(), upload: socketUploader });
    await video.waitFor(PATH_VIDEO, 20000);
    const stopped = supervisor.status().video.pid as number;
    process.kill(stopped, "SIGSTOP");

    await waitUntil(() => (supervisor?.status().video.restarts ?? 0) >= 1, 10000, "a restart after the stall");
    expect(supervisor.status().video.lastError).toMatch(/stalled: ffmpeg made no progress for [23]\.\d s/);
    expect(alive(stopped)).toBe(false);
    await video.waitFor(PATH_VIDEO, 20000);
    await waitUntil(() => supervisor?.status().video.running === true, 5000, "running again");
    expect(supervisor.status().video.pid).not.toBe(stopped);
  }, 20000);

  test("a wrong stream key is reported in plain words and retried", async () => {
    const { video, target } = relay("wrong-key");
    const config = smallConfig({ audio: false });
    supervisor = superviseStreams(toStreamPlan(config, target), { log: testLogger(), upload: socketUploader }, { backoff: { baseMs: 50, capMs: 200, jitter: 0 } });
    await waitUntil(() => (supervisor?.status().video.restarts ?? 0) >= 2, 15000, "two retries");
    expect(supervisor.status().video.lastError).toContain("refused the stream key (HTTP 403)");
    expect(supervisor.status().video.running).toBe(false);
    expect(video.refused.length).toBeGreaterThanOrEqual(2);
    expect(video.refused.join()).not.toContain("wrong-key");
  }, 20000);

  test("the relay goes away for 10 s: streaming resumes by itself, with the target looked up again", async () => {
    const { video, audio, target } = relay();
    let lookups = 0;
    const resolveTarget = async () => {
      lookups += 1;
      return target;
    };
    supervisor = superviseStreams(toStreamPlan(smallConfig(), target), { log: testLogger(), upload: socketUploader }, { resolveTarget });
    await Promise.all([video.waitFor(PATH_VIDEO, 20000), audio.waitFor(PATH_AUDIO, 2000)]);

    await Promise.all([video.stop(), audio.stop()]);
    const outageEnds = performance.now() + 10000;
    await waitUntil(() => supervisor?.status().video.running === false, 5000, "video reported down");
    expect(supervisor.status().video.lastError).toMatch(/relay at 127\.0\.0\.1:\d+ (refused|closed)/);
    await Bun.sleep(Math.max(0, outageEnds - performance.now()));
    const restartsDuringOutage = supervisor.status().video.restarts;
    video.start();
    audio.start();

    await Promise.all([video.waitFor(PATH_VIDEO, 20000, 15000), audio.waitFor(PATH_AUDIO, 2000, 15000)]);
    await waitUntil(() => supervisor?.status().video.running === true && supervisor.status().audio.running === true, 5000, "both running again");
    expect(restartsDuringOutage).toBeGreaterThanOrEqual(3);
    expect(lookups).toBeGreaterThanOrEqual(1);
  }, 45000);

  test("a frozen relay (connection open, nothing read) is a stall: detected in seconds, not after the send buffer fills", async () => {
    const frozen = await startFrozenRelay();
    try {
      const target = { relayHost: "127.0.0.1", videoPort: frozen.port, audioPort: frozen.port, streamKey: KEY, xres: 320, yres: 240 };
      supervisor = superviseStreams(toStreamPlan(smallConfig({ audio: false }), target), { log: testLogger(), upload: socketUploader });
      await waitUntil(() => (supervisor?.status().video.restarts ?? 0) >= 1, 12000, "the frozen relay to be noticed");
      // its kernel buffer fills (everything is acknowledged meanwhile), then its window shuts: a tenth of the
      // stall window later it is a stall, instead of a whole stall window after the last acknowledgement
      expect(supervisor.status().video.lastError).toMatch(/^stalled: the relay at 127\.0\.0\.1:\d+ took nothing for 0\.\d s \(\d+ bytes waiting\): its receive window is shut: relay frozen or not reading$/);
      await waitUntil(() => frozen.laterBytes() > 20000, 15000, "bytes on a new connection");
    } finally {
      frozen.close();
    }
  }, 40000);
});
