/**
 * FLV as ffmpeg writes it to a pipe (pure): a 9-byte header, then tags (audio 8, video 9, script 18), each
 * followed by its size. The reader takes bytes in any chunking and returns whole tags; the tag body is what an
 * RTMP audio/video message carries, so tags go to the ingest unchanged.
 */
export interface FlvTag {
  type: number;
  /** Milliseconds, 32 bits (24 + the extension byte). */
  timestamp: number;
  data: Uint8Array;
}

export const FLV_AUDIO = 8;
export const FLV_VIDEO = 9;
export const FLV_SCRIPT = 18;

/** A tag larger than this is corrupt input, not video (a 4K keyframe is far smaller). */
const MAX_TAG = 8 * 1024 * 1024;

export class FlvReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private headerSeen = false;

  push(chunk: Uint8Array): FlvTag[] {
    this.buffer = this.buffer.length ? concat(this.buffer, chunk) : chunk;
    const tags: FlvTag[] = [];
    let at = 0;
    const bytes = this.buffer;
    if (!this.headerSeen) {
      if (bytes.length < 13) return tags;
      if (bytes[0] !== 0x46 || bytes[1] !== 0x4c || bytes[2] !== 0x56) throw new Error("not FLV: the stream does not start with 'FLV'");
      const headerSize = ((bytes[5] ?? 0) << 24) | ((bytes[6] ?? 0) << 16) | ((bytes[7] ?? 0) << 8) | (bytes[8] ?? 0);
      if (headerSize < 9 || headerSize > 64) throw new Error(`not FLV: header size ${headerSize}`);
      if (bytes.length < headerSize + 4) return tags;
      at = headerSize + 4;
      this.headerSeen = true;
    }
    while (bytes.length - at >= 11) {
      const size = ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0);
      if (size > MAX_TAG) throw new Error(`FLV tag of ${size} bytes: the stream is corrupt`);
      if (bytes.length - at < 11 + size + 4) break;
      const timestamp = (((bytes[at + 7] ?? 0) << 24) | ((bytes[at + 4] ?? 0) << 16) | ((bytes[at + 5] ?? 0) << 8) | (bytes[at + 6] ?? 0)) >>> 0;
      tags.push({ type: (bytes[at] ?? 0) & 0x1f, timestamp, data: bytes.slice(at + 11, at + 11 + size) });
      at += 11 + size + 4;
    }
    this.buffer = bytes.subarray(at);
    return tags;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A video tag that starts a picture sequence (a keyframe; AVC frame type 1). */
export function isKeyframe(tag: FlvTag): boolean {
  return tag.type === FLV_VIDEO && ((tag.data[0] ?? 0) >> 4) === 1;
}

/** The decoder configuration of a stream (AVC or AAC sequence header) rather than media. */
export function isSequenceHeader(tag: FlvTag): boolean {
  if (tag.type === FLV_VIDEO) return ((tag.data[0] ?? 0) & 0x0f) === 7 && tag.data[1] === 0;
  if (tag.type === FLV_AUDIO) return ((tag.data[0] ?? 0) >> 4) === 10 && tag.data[1] === 0;
  return false;
}
