import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type Amf0Value, decodeAmf0, encodeAmf0 } from "../../lib/media/amf0.ts";
import { FLV_AUDIO, FLV_VIDEO, FlvReader, type FlvTag, isKeyframe, isSequenceHeader } from "../../lib/media/flv.ts";
import { ChunkReader, encodeMessage, MSG, type RtmpMessage } from "../../lib/media/rtmp-chunk.ts";
import { parseIngest } from "../../lib/media/rtmp.ts";
import { flvBytes } from "./flv-bytes.ts";

function inPieces<T>(bytes: Uint8Array, size: number, push: (chunk: Uint8Array) => T[]): T[] {
  const out: T[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(...push(bytes.subarray(at, at + size)));
  return out;
}

describe("AMF0", () => {
  test("the connect command and a server's _result decode to what was encoded", () => {
    const values: Amf0Value[] = ["connect", 1, { app: "live", type: "nonprivate", tcUrl: "rtmp://127.0.0.1/live", fpad: false }, null, [1, "two", true], undefined];
    expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
  });

  test("an ECMA array (onMetaData) decodes as an object", () => {
    const body = Buffer.concat([Buffer.of(8, 0, 0, 0, 1), Buffer.of(0, 5), Buffer.from("width"), encodeAmf0(320), Buffer.of(0, 0, 9)]);
    expect(decodeAmf0(body)).toEqual([{ width: 320 }]);
  });

  test("cut or unknown values are errors naming the place", () => {
    expect(() => decodeAmf0(Buffer.of(2, 0, 9, 65))).toThrow("AMF0 value cut short");
    expect(() => decodeAmf0(Buffer.of(0x11))).toThrow("AMF0 type 17 at byte 0 is not supported");
    expect(() => decodeAmf0(Buffer.of(10, 0xff, 0xff, 0xff, 0xff))).toThrow("cut short");
  });

  test("property: any value tree survives a round trip", () => {
    const key = fc.string({ maxLength: 12 }).filter((k) => k !== "");
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: "small" }, fc.double({ noNaN: true }), fc.boolean(), fc.string({ maxLength: 20 }), fc.constant(null), fc.array(tie("tree"), { maxLength: 4 }), fc.dictionary(key, tie("tree"), { maxKeys: 4 })),
    }));
    fc.assert(fc.property(fc.array(tree, { maxLength: 5 }), (values) => expect(decodeAmf0(encodeAmf0(...(values as Amf0Value[])))).toEqual(values as Amf0Value[])));
  });

  test("fuzz: random bytes decode or throw an Error, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeAmf0(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("FLV reader", () => {
  const tags: FlvTag[] = [
    { type: 18, timestamp: 0, data: encodeAmf0("onMetaData", { width: 320 }) },
    { type: FLV_VIDEO, timestamp: 0, data: Uint8Array.of(0x17, 0, 0, 0, 0, 1, 77) },
    { type: FLV_AUDIO, timestamp: 0, data: Uint8Array.of(0xaf, 0, 0x12, 0x10) },
    { type: FLV_VIDEO, timestamp: 33, data: Uint8Array.of(0x17, 1, 0, 0, 0, 9, 9, 9) },
    { type: FLV_VIDEO, timestamp: 66, data: Uint8Array.of(0x27, 1, 0, 0, 0, 8) },
    { type: FLV_AUDIO, timestamp: 0x1234567, data: Uint8Array.of(0xaf, 1, 5) },
  ];

  test("tags come out whole and in order however the bytes are cut", () => {
    const bytes = flvBytes(tags);
    for (const size of [1, 2, 5, 13, 100, bytes.length]) {
      const reader = new FlvReader();
      expect(inPieces(bytes, size, (c) => reader.push(c))).toEqual(tags);
    }
  });

  test("keyframes and sequence headers are told apart", () => {
    expect(tags.map((t) => [isKeyframe(t), isSequenceHeader(t)])).toEqual([
      [false, false],
      [true, true],
      [false, true],
      [true, false],
      [false, false],
      [false, false],
    ]);
  });

  test("a stream that is not FLV, or a giant tag, is an error", () => {
    expect(() => new FlvReader().push(Buffer.from("GIF89a-not-an-flv-at-all"))).toThrow("not FLV");
    const huge = Buffer.from(flvBytes([]));
    expect(() => new FlvReader().push(Buffer.concat([huge, Buffer.of(9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0)]))).toThrow("corrupt");
  });

  test("fuzz: random bytes after a valid header give tags or an Error, and the reader never holds a tag it could return", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const reader = new FlvReader();
        try {
          reader.push(flvBytes([]));
          for (const chunk of chunks) for (const tag of reader.push(chunk)) expect(tag.data.length).toBeLessThanOrEqual(64 * 8);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("RTMP chunks", () => {
  const messages: RtmpMessage[] = [
    { csid: 3, type: MSG.commandAmf0, streamId: 0, timestamp: 0, body: encodeAmf0("_result", 1, null, { code: "NetConnection.Connect.Success" }) },
    { csid: 6, type: MSG.video, streamId: 1, timestamp: 40, body: new Uint8Array(10000).fill(7) },
    { csid: 4, type: MSG.audio, streamId: 1, timestamp: 0x1000000, body: new Uint8Array(300).fill(3) },
    { csid: 70, type: MSG.dataAmf0, streamId: 1, timestamp: 5, body: new Uint8Array(0) },
    { csid: 400, type: MSG.video, streamId: 1, timestamp: 41, body: new Uint8Array(129).fill(1) },
  ];

  test("messages cut into chunks (of the size the reader is told) join back, however the bytes arrive", () => {
    for (const chunkSize of [128, 4096]) {
      const size = Buffer.alloc(4);
      size.writeUInt32BE(chunkSize, 0);
      const announce = encodeMessage({ csid: 2, type: MSG.setChunkSize, streamId: 0, timestamp: 0, body: size }, 128);
      const bytes = Buffer.concat([announce, ...messages.map((m) => encodeMessage(m, chunkSize))]);
      for (const piece of [1, 7, 1000, bytes.length]) {
        const reader = new ChunkReader();
        const got = inPieces(bytes, piece, (c) => reader.push(c));
        expect(got.slice(1).map((m) => ({ ...m, body: Buffer.from(m.body) }))).toEqual(messages.map((m) => ({ ...m, body: Buffer.from(m.body) })));
        expect(reader.chunkSize).toBe(chunkSize);
      }
    }
  });

  test("type 1-3 headers reuse the last full header of their chunk stream and add their deltas", () => {
    // fmt 0 at t=100 (1 byte), fmt 2 delta 10 (same length/type), fmt 3 (delta again)
    const bytes = Buffer.from([0x04, 0, 0, 100, 0, 0, 1, 8, 1, 0, 0, 0, 0xaa, 0x84, 0, 0, 10, 0xbb, 0xc4, 0xcc]);
    expect(new ChunkReader().push(bytes).map((m) => [m.timestamp, m.type, m.streamId, [...m.body]])).toEqual([
      [100, 8, 1, [0xaa]],
      [110, 8, 1, [0xbb]],
      [120, 8, 1, [0xcc]],
    ]);
  });

  test("a continuation before any full header, or a message too large, is an error", () => {
    expect(() => new ChunkReader().push(Buffer.of(0xc3, 1, 2, 3))).toThrow("before any full header");
    expect(() => new ChunkReader().push(Buffer.of(0x03, 0, 0, 0, 0xff, 0xff, 0xff, 20, 0, 0, 0, 0))).toThrow("too large");
  });

  test("fuzz: random server bytes give messages or an Error", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 6 }), (chunks) => {
        const reader = new ChunkReader();
        try {
          for (const chunk of chunks) reader.push(chunk);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("ingest addresses", () => {
  const good: [string, { secure: boolean; host: string; port: number; app: string; tcUrl: string }][] = [
    ["rtmp://live.twitch.tv/app", { secure: false, host: "live.twitch.tv", port: 1935, app: "app", tcUrl: "rtmp://live.twitch.tv/app" }],
    ["rtmps://live.twitch.tv:443/app/", { secure: true, host: "live.twitch.tv", port: 443, app: "app", tcUrl: "rtmps://live.twitch.tv:443/app" }],
    ["rtmp://127.0.0.1:19350/live", { secure: false, host: "127.0.0.1", port: 19350, app: "live", tcUrl: "rtmp://127.0.0.1:19350/live" }],
    ["rtmp://a.rtmp.youtube.com/live2", { secure: false, host: "a.rtmp.youtube.com", port: 1935, app: "live2", tcUrl: "rtmp://a.rtmp.youtube.com/live2" }],
  ];
  for (const [text, parsed] of good) test(`${text} → its parts`, () => expect(parseIngest(text)).toEqual(parsed));

  const bad: [string, string][] = [
    ["live.twitch.tv/app", "is not a URL"],
    ["http://live.twitch.tv/app", "not an rtmp:// or rtmps:// address"],
    ["rtmp://live.twitch.tv", "names no application path"],
    ["rtmp://user:pw@live.twitch.tv/app", "must not carry a user, password or query"],
    ["rtmp://live.twitch.tv/app?key=1", "must not carry"],
  ];
  for (const [text, message] of bad) test(`${text} is refused: ${message}`, () => expect(() => parseIngest(text)).toThrow(message));
});
