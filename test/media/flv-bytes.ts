import type { FlvTag } from "../../lib/media/flv.ts";

/** FLV bytes as ffmpeg writes them: header, PreviousTagSize0, then tag + size pairs. */
export function flvBytes(tags: FlvTag[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0])];
  for (const tag of tags) {
    const head = Buffer.alloc(11);
    head[0] = tag.type;
    head.writeUIntBE(tag.data.length, 1, 3);
    head.writeUIntBE(tag.timestamp & 0xffffff, 4, 3);
    head[7] = (tag.timestamp >>> 24) & 0xff;
    const size = Buffer.alloc(4);
    size.writeUInt32BE(11 + tag.data.length, 0);
    parts.push(head, Buffer.from(tag.data), size);
  }
  return Buffer.concat(parts);
}
