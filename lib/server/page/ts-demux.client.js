// MPEG-TS → whole PES payloads per elementary stream, with each stream's codec read from the PMT (runs in the
// browser; served from /assets/ts-demux.js). The relay sends whole 188-byte packets, so a websocket message
// never splits one. A PES is handed on as soon as its declared length is complete (audio, and video frames
// under 64 KiB), else when the next one starts.
(() => {
  "use strict";
  const codecs = { 0x01: "mpeg1", 0x02: "mpeg1", 0x1b: "h264", 0x03: "mp2", 0x04: "mp2", 0x0f: "aac" };

  function pesTimestamp(b, at) {
    return ((b[at] >> 1) & 7) * 2 ** 30 + (((b[at + 1] << 8) | b[at + 2]) >> 1) * 2 ** 15 + (((b[at + 3] << 8) | b[at + 4]) >> 1);
  }

  // onCodec(kind, codec) once per stream kind ("video"/"audio") when the PMT names it or changes it;
  // onPes({ kind, codec, pts, data }) with pts in 90 kHz units (undefined when the PES has none).
  function createTsDemuxer(onCodec, onPes) {
    let pmtPid = -1;
    const streams = new Map(); // pid → { kind, codec, parts, size, expected }
    const known = {};

    // PSI tables: a section that ends past its packet is cut at the packet's end (ours are short).
    const sectionEnd = (b, at, limit) => Math.min(at + 3 + (((b[at + 1] & 0x0f) << 8) | b[at + 2]) - 4, limit);

    function readPat(b, at, limit) {
      const end = sectionEnd(b, at, limit);
      for (let i = at + 8; i + 4 <= end; i += 4) {
        if (((b[i] << 8) | b[i + 1]) !== 0) return ((b[i + 2] & 0x1f) << 8) | b[i + 3];
      }
      return -1;
    }

    function readPmt(b, at, limit) {
      const end = sectionEnd(b, at, limit);
      for (let i = at + 12 + (((b[at + 10] & 0x0f) << 8) | b[at + 11]); i + 5 <= end; i += 5 + (((b[i + 3] & 0x0f) << 8) | b[i + 4])) {
        const pid = ((b[i + 1] & 0x1f) << 8) | b[i + 2];
        const codec = codecs[b[i]] || `type-${b[i]}`;
        const kind = ["mpeg1", "h264"].includes(codec) ? "video" : "audio";
        if (!streams.has(pid) || streams.get(pid).codec !== codec) streams.set(pid, { kind, codec, parts: [], size: 0, expected: 0 });
        if (known[kind] !== codec) {
          known[kind] = codec;
          onCodec(kind, codec);
        }
      }
    }

    function flush(stream) {
      if (stream.size === 0) return;
      const pes = new Uint8Array(stream.size);
      let at = 0;
      for (const part of stream.parts) {
        pes.set(part, at);
        at += part.length;
      }
      const end = stream.expected ? Math.min(stream.expected, pes.length) : pes.length;
      stream.parts = [];
      stream.size = 0;
      stream.expected = 0;
      if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return;
      const start = 9 + pes[8];
      const pts = pes[7] & 0x80 && pes.length >= 14 ? pesTimestamp(pes, 9) : undefined;
      if (start < end) onPes({ kind: stream.kind, codec: stream.codec, pts, data: pes.subarray(start, end) });
    }

    function packet(b, at) {
      const unitStart = (b[at + 1] & 0x40) !== 0;
      const pid = ((b[at + 1] & 0x1f) << 8) | b[at + 2];
      const adaptation = (b[at + 3] >> 4) & 3;
      if (adaptation === 0 || adaptation === 2) return;
      let payload = at + 4;
      if (adaptation === 3) payload += 1 + b[at + 4];
      if (payload >= at + 188) return;
      if (pid === 0 && unitStart) return void (pmtPid = readPat(b, payload + 1 + b[payload], at + 188));
      if (pid === pmtPid && unitStart) return readPmt(b, payload + 1 + b[payload], at + 188);
      const stream = streams.get(pid);
      if (!stream) return;
      if (unitStart) {
        flush(stream);
        const length = (b[payload + 4] << 8) | b[payload + 5];
        stream.expected = length ? length + 6 : 0;
      } else if (stream.size === 0) return; // joined mid-PES: wait for the next start
      stream.parts.push(b.subarray(payload, at + 188));
      stream.size += at + 188 - payload;
      if (stream.expected && stream.size >= stream.expected) flush(stream);
    }

    return {
      push(bytes) {
        for (let at = 0; at + 188 <= bytes.length; at += 188) if (bytes[at] === 0x47) packet(bytes, at);
      },
    };
  }

  window.LetsrobotStream = Object.assign(window.LetsrobotStream || {}, { createTsDemuxer });
})();
