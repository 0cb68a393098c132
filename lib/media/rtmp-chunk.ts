/**
 * RTMP chunk streams (pure): messages cut into chunks on the way out, chunks joined into messages on the way
 * in. Outgoing chunks always carry a full (type 0) header: a few bytes more per message, no state to get wrong.
 */
export interface RtmpMessage {
  /** Chunk stream id, 2..65599. */
  csid: number;
  type: number;
  streamId: number;
  timestamp: number;
  body: Uint8Array;
}

export const MSG = {
  setChunkSize: 1,
  abort: 2,
  ack: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf0: 18,
  commandAmf0: 20,
} as const;

/** What servers may send us in one message; larger is corrupt (our own messages are not read back). */
const MAX_INCOMING = 1024 * 1024;

function basicHeader(fmt: number, csid: number): Buffer {
  if (csid < 2 || csid > 65599) throw new Error(`chunk stream id ${csid} out of range`);
  if (csid < 64) return Buffer.of((fmt << 6) | csid);
  if (csid < 320) return Buffer.of(fmt << 6, csid - 64);
  return Buffer.of((fmt << 6) | 1, (csid - 64) & 0xff, (csid - 64) >> 8);
}

export function encodeMessage(message: RtmpMessage, chunkSize: number): Buffer {
  const timestamp = message.timestamp >>> 0;
  const extended = timestamp >= 0xffffff;
  const header = Buffer.alloc(11);
  header.writeUIntBE(extended ? 0xffffff : timestamp, 0, 3);
  header.writeUIntBE(message.body.length, 3, 3);
  header[6] = message.type;
  header.writeUInt32LE(message.streamId, 7);
  const ext = extended ? Buffer.alloc(4) : Buffer.alloc(0);
  if (extended) ext.writeUInt32BE(timestamp, 0);
  const parts: Uint8Array[] = [basicHeader(0, message.csid), header, ext];
  for (let at = 0; at < message.body.length || at === 0; at += chunkSize) {
    if (at > 0) parts.push(basicHeader(3, message.csid), ext);
    parts.push(message.body.subarray(at, at + chunkSize));
    if (message.body.length === 0) break;
  }
  return Buffer.concat(parts);
}

interface ChunkState {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  body?: Uint8Array;
  filled: number;
}

/** Joins incoming chunks into messages; applies the peer's Set Chunk Size itself. */
export class ChunkReader {
  chunkSize = 128;
  private buffer: Uint8Array = new Uint8Array(0);
  private streams = new Map<number, ChunkState>();

  push(chunk: Uint8Array): RtmpMessage[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const messages: RtmpMessage[] = [];
    let at = 0;
    for (;;) {
      const used = this.one(joined, at, messages);
      if (used === 0) break;
      at += used;
    }
    this.buffer = joined.slice(at);
    return messages;
  }

  /** Reads one chunk at `at`; returns the bytes used, or 0 when the chunk is not all here yet. */
  private one(bytes: Uint8Array, start: number, messages: RtmpMessage[]): number {
    let at = start;
    const byte = (i: number) => bytes[i] ?? 0;
    const uint = (i: number, n: number) => {
      let v = 0;
      for (let k = 0; k < n; k++) v = v * 256 + byte(i + k);
      return v;
    };
    if (at >= bytes.length) return 0;
    const fmt = byte(at) >> 6;
    let csid = byte(at) & 0x3f;
    at += 1;
    if (csid === 0) {
      if (at + 1 > bytes.length) return 0;
      csid = 64 + byte(at);
      at += 1;
    } else if (csid === 1) {
      if (at + 2 > bytes.length) return 0;
      csid = 64 + byte(at) + byte(at + 1) * 256;
      at += 2;
    }
    const headerSize = [11, 7, 3, 0][fmt] ?? 0;
    if (at + headerSize > bytes.length) return 0;
    const previous = this.streams.get(csid);
    if (fmt !== 0 && !previous) throw new Error(`RTMP chunk of type ${fmt} on chunk stream ${csid} before any full header`);
    const state: ChunkState = previous ?? { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, extended: false, filled: 0 };
    const starting = state.body === undefined;
    let stamp = fmt < 3 ? uint(at, 3) : state.extended ? 0xffffff : 0;
    if (fmt <= 1) {
      state.length = uint(at + 3, 3);
      state.type = byte(at + 6);
    }
    if (fmt === 0) state.streamId = byte(at + 7) | (byte(at + 8) << 8) | (byte(at + 9) << 16) | (byte(at + 10) << 24);
    at += headerSize;
    if (fmt < 3) state.extended = stamp === 0xffffff;
    if (state.extended) {
      if (at + 4 > bytes.length) return 0;
      stamp = uint(at, 4);
      at += 4;
    }
    if (state.length > MAX_INCOMING) throw new Error(`RTMP message of ${state.length} bytes from the server: too large`);
    const take = Math.min(this.chunkSize, state.length - (starting ? 0 : state.filled));
    if (at + take > bytes.length) return 0;
    // commit the header only now that the whole chunk is here
    if (starting) {
      if (fmt === 0) state.timestamp = stamp;
      else if (fmt < 3) {
        state.delta = stamp;
        state.timestamp += stamp;
      } else state.timestamp += state.delta;
      state.body = new Uint8Array(state.length);
      state.filled = 0;
    }
    const body = state.body as Uint8Array;
    body.set(bytes.subarray(at, at + take), state.filled);
    state.filled += take;
    at += take;
    this.streams.set(csid, state);
    if (state.filled >= state.length) {
      const message = { csid, type: state.type, streamId: state.streamId, timestamp: state.timestamp, body };
      state.body = undefined;
      if (message.type === MSG.setChunkSize && body.length >= 4) {
        const size = (((body[0] ?? 0) << 24) | ((body[1] ?? 0) << 16) | ((body[2] ?? 0) << 8) | (body[3] ?? 0)) & 0x7fffffff;
        if (size < 1) throw new Error(`RTMP chunk size ${size} from the server`);
        this.chunkSize = size;
      }
      messages.push(message);
    }
    return at - start;
  }
}
