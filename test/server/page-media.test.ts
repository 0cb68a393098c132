import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { defaults } from "../../lib/config/schema.ts";
import { audioOutputArgs, videoOutputArgs } from "../../lib/media/plan.ts";

// The viewer page's MPEG-TS demuxer, H.264 and AAC parsers and fMP4 remuxer are plain browser scripts; here
// they run on real ffmpeg output (the plan's H.264 + AAC arguments) and ffprobe judges the MP4 they write.
interface Pes {
  kind: string;
  codec: string;
  pts?: number;
  data: Uint8Array;
}
interface Stream {
  createTsDemuxer(onCodec: (kind: string, codec: string) => void, onPes: (pes: Pes) => void): { push(bytes: Uint8Array): void };
  nalUnits(data: Uint8Array): Uint8Array[];
  nalType(unit: Uint8Array): number;
  avcCodec(sps: Uint8Array): string;
  fmp4Init(sps: Uint8Array, pps: Uint8Array, width: number, height: number): Uint8Array;
  fmp4Fragment(sequence: number, time: number, duration: number, key: boolean, units: Uint8Array[]): Uint8Array;
  adtsFrames(data: Uint8Array): { sampleRate: number; channels: number; data: Uint8Array }[];
}

const page = join(import.meta.dir, "../../lib/server/page");
const scope: { LetsrobotStream?: Stream } = {};
for (const name of ["ts-demux", "h264", "fmp4", "aac"]) new Function("window", readFileSync(join(page, `${name}.client.js`), "utf8"))(scope);
const S = scope.LetsrobotStream as Stream;

const dir = mkdtempSync(join(tmpdir(), "letsrobot-page-media-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function encode(kind: "video" | "audio"): Uint8Array {
  const config = defaults();
  Object.assign(config.video, { format: "h264", bitrate_kbps: 300 });
  const input = kind === "video" ? ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30", "-t", "3"] : ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "3"];
  const output = kind === "video" ? videoOutputArgs(config.video, "scale=640:480") : audioOutputArgs(config.audio, "h264");
  const run = Bun.spawnSync(["ffmpeg", "-hide_banner", "-loglevel", "error", ...input, ...output], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(run.stderr.toString());
  return new Uint8Array(run.stdout);
}
const video = encode("video");
const audio = encode("audio");

function demux(bytes: Uint8Array, chunk = 188 * 7): { codecs: string[]; pes: Pes[] } {
  const codecs: string[] = [];
  const pes: Pes[] = [];
  const demuxer = S.createTsDemuxer((kind, codec) => codecs.push(`${kind}:${codec}`), (p) => pes.push({ ...p, data: p.data.slice() }));
  for (let at = 0; at < bytes.length; at += chunk) demuxer.push(bytes.subarray(at, at + chunk));
  return { codecs, pes };
}

describe("the page's MPEG-TS demuxer and H.264 parser", () => {
  test("H.264: the codec from the PMT, one access unit per picture, 90 kHz timestamps, key frames each second", () => {
    const { codecs, pes } = demux(video);
    expect(codecs).toEqual(["video:h264"]);
    expect(pes.length).toBeGreaterThanOrEqual(89); // the last PES ends with the stream
    const steps = new Set(pes.slice(1).map((p, i) => (p.pts ?? 0) - (pes[i]?.pts ?? 0)));
    expect([...steps]).toEqual([3000]);
    const keys = pes.flatMap((p, i) => (S.nalUnits(p.data).some((u) => S.nalType(u) === 5) ? [i] : []));
    expect(keys).toEqual([0, 30, 60]);
    const sps = S.nalUnits(pes[0]?.data ?? new Uint8Array()).find((u) => S.nalType(u) === 7);
    expect(S.avcCodec(sps ?? new Uint8Array(4))).toMatch(/^avc1\.(42|4d|64)[0-9a-f]{4}$/);
  });

  test("AAC: ADTS frames of 1024 samples at the stream's rate and channels", () => {
    const { codecs, pes } = demux(audio);
    expect(codecs).toEqual(["audio:aac"]);
    const frames = pes.flatMap((p) => S.adtsFrames(p.data));
    expect(frames.length).toBeGreaterThan(120);
    expect(new Set(frames.map((f) => `${f.sampleRate}/${f.channels}`))).toEqual(new Set(["44100/1"]));
  });

  test("the fragmented MP4 for Media Source Extensions is read back by ffprobe: H.264 640×480, every picture", () => {
    const { pes } = demux(video);
    const first = S.nalUnits(pes[0]?.data ?? new Uint8Array());
    const sps = first.find((u) => S.nalType(u) === 7) as Uint8Array;
    const pps = first.find((u) => S.nalType(u) === 8) as Uint8Array;
    const parts = [S.fmp4Init(sps, pps, 640, 480)];
    for (const [i, p] of pes.entries()) {
      const units = S.nalUnits(p.data);
      parts.push(S.fmp4Fragment(i + 1, (p.pts ?? 0) - (pes[0]?.pts ?? 0), 3000, units.some((u) => S.nalType(u) === 5), units));
    }
    const file = join(dir, "remuxed.mp4");
    writeFileSync(file, Buffer.concat(parts));
    const probe = Bun.spawnSync(["ffprobe", "-v", "error", "-count_frames", "-of", "json", "-show_streams", file], { stdout: "pipe", stderr: "pipe" });
    expect(probe.stderr.toString()).toBe("");
    const stream = JSON.parse(probe.stdout.toString()).streams[0];
    expect([stream.codec_name, stream.width, stream.height, Number(stream.nb_read_frames)]).toEqual(["h264", 640, 480, pes.length]);
  });

  test("fuzz: damaged or random bytes never throw (they come from the network)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(video.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 200 }), fc.uint8Array({ maxLength: 4000 }), (damage, noise) => {
        const bytes = video.slice(0, 188 * 400);
        for (const [at, value] of damage) bytes[at % bytes.length] = value;
        const { pes } = demux(bytes, 188 * 3);
        for (const p of pes) {
          S.nalUnits(p.data).map(S.nalType);
          S.adtsFrames(p.data);
        }
        demux(noise);
        S.nalUnits(noise);
        S.adtsFrames(noise);
      }),
      { numRuns: 60 },
    );
  });
});
