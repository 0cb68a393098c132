/**
 * Which elementary stream an MPEG-TS upload carries, from its first PES header: video streams have
 * stream ids 0xE0–0xEF, MPEG audio 0xC0–0xDF. This lets video and audio share one ingest port and
 * one URL shape (`/{stream_key}/{xres}/{yres}/`). Pure.
 */
export type StreamKind = "video" | "audio";

const packetSize = 188;

/** "video" / "audio" once a PES header is seen; "unknown" when more bytes are needed; "invalid" for non-TS data. */
export function sniffStreamKind(bytes: Uint8Array): StreamKind | "unknown" | "invalid" {
  const start = bytes.indexOf(0x47);
  if (start < 0 || start >= packetSize) return bytes.length >= packetSize ? "invalid" : "unknown";
  for (let at = start; at + packetSize <= bytes.length; at += packetSize) {
    if (bytes[at] !== 0x47) return "invalid";
    const b1 = bytes[at + 1] ?? 0;
    const b3 = bytes[at + 3] ?? 0;
    const payloadStart = (b1 & 0x40) !== 0;
    const pid = ((b1 & 0x1f) << 8) | (bytes[at + 2] ?? 0);
    const adaptation = (b3 >> 4) & 0x3;
    if (!payloadStart || pid === 0 || pid === 0x1fff || adaptation === 2) continue;
    let payload = at + 4;
    if (adaptation === 3) payload += 1 + (bytes[at + 4] ?? 0);
    if (payload + 4 > at + packetSize) continue;
    if (bytes[payload] !== 0 || bytes[payload + 1] !== 0 || bytes[payload + 2] !== 1) continue; // PSI table, not PES
    const id = bytes[payload + 3] ?? 0;
    if (id >= 0xe0 && id <= 0xef) return "video";
    if (id >= 0xc0 && id <= 0xdf) return "audio";
  }
  return "unknown";
}

// ffmpeg marks MPEG-1 video with the MPEG-2 stream type (0x02); the page reads both as MPEG-1, as jsmpeg does
const codecNames: Record<number, string> = { 0x01: "mpeg1", 0x02: "mpeg1", 0x1b: "h264", 0x24: "hevc", 0x03: "mp2", 0x04: "mp2", 0x0f: "aac", 0x06: "private" };

/**
 * The codec of the first elementary stream the program map table names ("mpeg1", "h264", "mp2", "aac" …), or
 * null before a PAT and its PMT have been seen (ffmpeg writes both at the start of every upload).
 */
export function sniffCodec(bytes: Uint8Array): string | null {
  let pmtPid = -1;
  for (let at = bytes.indexOf(0x47); at >= 0 && at + packetSize <= bytes.length; at += packetSize) {
    if (bytes[at] !== 0x47) return null;
    const b1 = bytes[at + 1] ?? 0;
    const pid = ((b1 & 0x1f) << 8) | (bytes[at + 2] ?? 0);
    const adaptation = ((bytes[at + 3] ?? 0) >> 4) & 0x3;
    if ((b1 & 0x40) === 0 || (pid !== 0 && pid !== pmtPid) || adaptation === 2) continue;
    let payload = at + 4;
    if (adaptation === 3) payload += 1 + (bytes[at + 4] ?? 0);
    const section = payload + 1 + (bytes[payload] ?? 0); // after the pointer field
    if (section + 17 > at + packetSize) continue;
    if (pid === 0) {
      // PAT: the first program's PMT PID (ffmpeg writes one program)
      pmtPid = (((bytes[section + 10] ?? 0) & 0x1f) << 8) | (bytes[section + 11] ?? 0);
      continue;
    }
    // PMT: the stream type of the first elementary stream, after the program descriptors
    const first = section + 12 + ((((bytes[section + 10] ?? 0) & 0x0f) << 8) | (bytes[section + 11] ?? 0));
    if (first >= at + packetSize) return null;
    const type = bytes[first] ?? 0;
    return codecNames[type] ?? `type 0x${type.toString(16).padStart(2, "0")}`;
  }
  return null;
}

/**
 * The whole TS packets in `bytes` and the tail to keep for the next chunk. The fast path (every packet starts
 * with the sync byte) forwards `bytes` as they are; otherwise bytes that are not part of a packet (garbage
 * between packets, a cut packet) are skipped up to the next sync byte, so what viewers get stays in step.
 */
export function wholePackets(bytes: Uint8Array): { packets: Uint8Array; rest: Uint8Array } {
  const whole = bytes.length - (bytes.length % packetSize);
  let inStep = bytes.length === 0 || bytes[0] === 0x47;
  for (let at = packetSize; inStep && at < whole; at += packetSize) inStep = bytes[at] === 0x47;
  if (inStep) return { packets: bytes.subarray(0, whole), rest: bytes.subarray(whole) };
  const kept: Uint8Array[] = [];
  let at = bytes.indexOf(0x47);
  while (at >= 0 && at + packetSize <= bytes.length) {
    if (bytes[at] === 0x47) {
      kept.push(bytes.subarray(at, at + packetSize));
      at += packetSize;
    } else at = bytes.indexOf(0x47, at + 1);
  }
  const packets = new Uint8Array(kept.length * packetSize);
  kept.forEach((packet, i) => packets.set(packet, i * packetSize));
  return { packets, rest: at < 0 ? bytes.subarray(bytes.length) : bytes.subarray(at) };
}
