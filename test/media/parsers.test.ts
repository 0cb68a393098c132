import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { findSoundCard, listCameras, listSoundCards } from "../../lib/media/devices.ts";
import { parseV4l2Formats } from "../../lib/media/formats.ts";
import { advanced, explainFfmpegError, explainFfmpegLines, ProgressParser, toProgress } from "../../lib/media/progress.ts";
import { formatStatusLine } from "../../lib/media/status.ts";
import { sendStateOf } from "../../lib/media/upload.ts";

const videoBlock = "frame=301\nfps=29.97\nstream_0_0_q=3.1\nbitrate= 998.4kbits/s\ntotal_size=1254320\nout_time_us=10033333\nout_time_ms=10033333\nout_time=00:00:10.033333\ndup_frames=0\ndrop_frames=0\nspeed=1.01x\nprogress=continue\n";
const audioBlock = "bitrate=  37.2kbits/s\ntotal_size=2256\nout_time_us=485422\nout_time_ms=485422\nout_time=00:00:00.485422\ndup_frames=0\ndrop_frames=0\nspeed=0.968x\nprogress=continue\n";

describe("progress parser", () => {
  test("a video block → frames, fps, kbit/s, bytes, speed", () => {
    const { blocks, lines } = new ProgressParser().push(videoBlock);
    expect(lines).toEqual([]);
    expect(blocks).toEqual([{ frames: 301, fps: 29.97, kbps: 998.4, totalSize: 1254320, outTimeUs: 10033333, speed: 1.01, end: false }]);
  });

  test("an audio block has no frames", () => {
    const [block] = new ProgressParser().push(audioBlock).blocks;
    expect(block).toEqual({ frames: undefined, fps: undefined, kbps: 37.2, totalSize: 2256, outTimeUs: 485422, speed: 0.968, end: false });
  });

  test("chunks split anywhere give the same blocks", () => {
    const text = videoBlock + audioBlock.replace("continue", "end");
    for (const size of [1, 3, 7, 64]) {
      const parser = new ProgressParser();
      const blocks = [];
      for (let i = 0; i < text.length; i += size) blocks.push(...parser.push(text.slice(i, i + size)).blocks);
      expect(blocks.map((b) => [b.frames, b.totalSize, b.end])).toEqual([[301, 1254320, false], [undefined, 2256, true]]);
    }
  });

  test("log lines between blocks are kept as lines, CR and CRLF too", () => {
    const { blocks, lines } = new ProgressParser().push(`[mpeg1video @ 0x55d0] rc buffer underflow\r\n${audioBlock}Error writing trailer: Broken pipe\r`);
    expect(blocks).toHaveLength(1);
    expect(lines).toEqual(["[mpeg1video @ 0x55d0] rc buffer underflow", "Error writing trailer: Broken pipe"]);
  });

  const values: [string, Record<string, string>, Partial<ReturnType<typeof toProgress>>][] = [
    ["N/A values are undefined", { bitrate: "N/A", speed: "N/A", total_size: "N/A", progress: "continue" }, { kbps: undefined, speed: undefined, totalSize: undefined }],
    ["speed in e-notation", { speed: "3.33e+04x", progress: "end" }, { speed: 33300, end: true }],
  ];
  for (const [name, fields, expected] of values) test(name, () => expect(toProgress(fields)).toMatchObject(expected));

  const moves: [string, [number, number, number] | undefined, [number, number, number], boolean][] = [
    ["first block counts", undefined, [0, 0, 0], true],
    ["frames moved", [10, 100, 5], [11, 100, 5], true],
    ["bytes moved", [10, 100, 5], [10, 200, 5], true],
    ["media time moved (audio)", [0, 100, 5], [0, 100, 6], true],
    ["nothing moved (stalled)", [10, 100, 5], [10, 100, 5], false],
  ];
  for (const [name, before, after, expected] of moves) {
    test(`advanced: ${name}`, () => {
      const p = (v: [number, number, number]) => ({ frames: v[0], totalSize: v[1], outTimeUs: v[2], end: false });
      expect(advanced(before ? p(before) : undefined, p(after))).toBe(expected);
    });
  }
});

describe("ffmpeg errors in plain words", () => {
  const cases: [string, RegExp][] = [
    ["[video4linux2,v4l2 @ 0x5561b0fa2880] Cannot open video device /dev/video9: No such file or directory", /^the device or file does not exist .*\(ffmpeg: Cannot open video device \/dev\/video9/],
    ["/dev/video0: Device or resource busy", /another program is using it/],
    ["[alsa @ 0x1] cannot open audio device plughw:CARD=Device (Permission denied)", /permission denied: add this user/],
    ["http://cam/video: Connection refused", /nothing is listening/],
    ["http://cam/video: Server returned 401 Unauthorized (authorization failed)", /refused access/],
    ["pipe:0: Invalid data found when processing input", /wrong input_format/],
    ["Unknown encoder 'mpeg1video'", /lacks a needed codec/],
    ["something new and strange", /^something new and strange$/],
  ];
  for (const [line, expected] of cases) test(line, () => expect(explainFfmpegError(line)).toMatch(expected));
});

describe("the most telling of ffmpeg's last lines", () => {
  const cases: [string, string[], RegExp | undefined][] = [
    ["a known cause beats a generic last line", ["[alsa @ 0x1] cannot open audio device hw:CARD=Nope (No such file or directory)", "Error initializing output stream 0:0 --"], /^the device or file does not exist/],
    ["the last known cause wins", ["Connection refused", "/dev/video0: Device or resource busy", "Conversion failed!"], /another program is using it/],
    ["nothing known: the last line as it is", ["odd", "stranger"], /^stranger$/],
    ["no lines", [], undefined],
  ];
  for (const [name, lines, expected] of cases) {
    test(name, () => {
      const said = explainFfmpegLines(lines);
      if (expected) expect(said).toMatch(expected);
      else expect(said).toBeUndefined();
    });
  }
});

describe("status line", () => {
  test("both running", () => {
    const line = formatStatusLine({
      video: { running: true, fps: 29.97, kbps: 998.4, frames: 301, speed: 1.01, restarts: 0 },
      audio: { running: true, kbps: 33.1, speed: 1, restarts: 2 },
    });
    expect(line).toBe("video 30.0 fps 998 kbit/s 301 frames 1.01x | audio 33 kbit/s 1.00x 2 restarts");
  });
  test("down and off", () => {
    expect(formatStatusLine({ video: { running: false, restarts: 3 }, audio: { running: false, restarts: 0, disabled: true } })).toBe("video DOWN (3 restarts) | audio off");
  });
});

describe("devices from fixture sysfs/procfs trees", () => {
  const fixtures = join(import.meta.dir, "fixtures");
  test("cameras: capture nodes only, by name, sorted", () => {
    expect(listCameras(join(fixtures, "sys"))).toEqual([
      { name: "USB 2.0 Camera: HD USB Camera", path: "/dev/video0" },
      { name: "mmal service 16.1", path: "/dev/video2" },
    ]);
  });
  test("sound cards: ids, names with hyphenated drivers, capture/playback", () => {
    expect(listSoundCards(join(fixtures, "proc"))).toEqual([
      { index: 0, id: "vc4hdmi", name: "vc4-hdmi", capture: false, playback: true },
      { index: 1, id: "Device", name: "USB PnP Sound Device", capture: true, playback: true },
      { index: 2, id: "Headphones", name: "bcm2835 Headphones", capture: false, playback: true },
    ]);
  });
  test("a card is found by id or by part of its name, case-insensitively", () => {
    const cards = listSoundCards(join(fixtures, "proc"));
    expect(findSoundCard(cards, "device")?.id).toBe("Device");
    expect(findSoundCard(cards, "pnp sound")?.id).toBe("Device");
    expect(findSoundCard(cards, "headphones")?.id).toBe("Headphones");
    expect(findSoundCard(cards, "yeti")).toBeUndefined();
  });
  test("missing trees give empty lists", () => {
    expect(listCameras(join(fixtures, "nowhere"))).toEqual([]);
    expect(listSoundCards(join(fixtures, "nowhere"))).toEqual([]);
  });
});

describe("v4l2 format listing", () => {
  test("raw, compressed and stepwise sizes", () => {
    const stderr = [
      "[video4linux2,v4l2 @ 0x55e8] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 320x240 1280x720",
      "[video4linux2,v4l2 @ 0x55e8] Compressed:       mjpeg :          Motion-JPEG : 1920x1080 640x480",
      "[video4linux2,v4l2 @ 0x55e8] Raw       :     yuv420p :     Planar YUV 4:2:0 : {32-2592, 2}x{32-1944, 2}",
      "/dev/video0: Immediate exit requested",
    ].join("\n");
    expect(parseV4l2Formats(stderr)).toEqual([
      { format: "yuyv422", compressed: false, description: "YUYV 4:2:2", sizes: ["640x480", "320x240", "1280x720"] },
      { format: "mjpeg", compressed: true, description: "Motion-JPEG", sizes: ["1920x1080", "640x480"] },
      { format: "yuv420p", compressed: false, description: "Planar YUV 4:2:0", sizes: ["{32-2592, 2}x{32-1944, 2}"] },
    ]);
  });
  test("no formats when the device cannot be opened", () => {
    expect(parseV4l2Formats("/dev/video9: No such file or directory")).toEqual([]);
  });
});

describe("send queue and zero window from /proc/net/tcp", () => {
  const table = [
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1217 1 0000000000000000 100 0 0 10 0",
    "   1: 0100007F:A1B2 0100007F:1F90 01 0006C7A3:00000000 01:00000014 00000000     0        0 5531 1 0000000000000000 20 4 30 10 -1",
    "   2: 0100007F:A1B3 0100007F:1F91 01 00000000:00000000 00:00000000 00000000     0        0 5532 1 0000000000000000 20 4 30 10 -1",
    "   3: 0100007F:A1B5 0100007F:1F92 01 0002F498:00000000 04:00000029 00000000     0        0 5533 1 0000000000000000 20 4 30 10 -1",
  ].join("\n");
  const cases: [string, number, number, { queued: number; windowShut: boolean } | undefined][] = [
    ["a socket with data waiting (retransmit timer)", 0xa1b2, 0x1f90, { queued: 0x6c7a3, windowShut: false }],
    ["an idle socket", 0xa1b3, 0x1f91, { queued: 0, windowShut: false }],
    ["the peer stopped reading: zero window probe timer", 0xa1b5, 0x1f92, { queued: 0x2f498, windowShut: true }],
    ["not listed", 0xa1b4, 0x1f90, undefined],
    ["a listening socket has remote port 0", 0x1f90, 0, { queued: 0, windowShut: false }],
  ];
  for (const [name, local, remote, state] of cases) test(name, () => expect(sendStateOf(table, local, remote)).toEqual(state));
});
