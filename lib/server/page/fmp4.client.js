// H.264 access units → fragmented MP4 for Media Source Extensions (served from /assets/fmp4.js): one init
// segment (ftyp + moov with the SPS and PPS in avcC) and one moof + mdat per access unit, 90 kHz timescale.
(() => {
  "use strict";
  const S = (window.LetsrobotStream = window.LetsrobotStream || {});

  const u32 = (n) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const u16 = (n) => [(n >>> 8) & 255, n & 255];
  const zeros = (n) => new Array(n).fill(0);
  const matrix = [...u32(0x10000), ...zeros(12), ...u32(0x10000), ...zeros(12), ...u32(0x40000000)];

  function box(type, ...parts) {
    const size = 8 + parts.reduce((sum, part) => sum + part.length, 0);
    const out = new Uint8Array(size);
    out.set([...u32(size), ...[...type].map((c) => c.charCodeAt(0))]);
    let at = 8;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
  const full = (type, version, flags, ...parts) => box(type, new Uint8Array([version, ...u32(flags).slice(1)]), ...parts);
  const bytes = (...values) => new Uint8Array(values);

  S.fmp4Init = (sps, pps, width, height) => {
    const avcC = box("avcC", bytes(1, sps[1], sps[2], sps[3], 0xff, 0xe1, ...u16(sps.length)), sps, bytes(1, ...u16(pps.length)), pps);
    const avc1 = box("avc1", bytes(...zeros(6), ...u16(1), ...zeros(16), ...u16(width), ...u16(height), ...u32(0x480000), ...u32(0x480000), ...zeros(4), ...u16(1), ...zeros(32), ...u16(0x18), 0xff, 0xff), avcC);
    const stbl = box("stbl", full("stsd", 0, 0, bytes(...u32(1)), avc1), full("stts", 0, 0, bytes(...zeros(4))), full("stsc", 0, 0, bytes(...zeros(4))), full("stsz", 0, 0, bytes(...zeros(8))), full("stco", 0, 0, bytes(...zeros(4))));
    const dinf = box("dinf", full("dref", 0, 0, bytes(...u32(1)), full("url ", 0, 1)));
    const minf = box("minf", full("vmhd", 0, 1, bytes(...zeros(8))), dinf, stbl);
    const mdhd = full("mdhd", 0, 0, bytes(...zeros(8), ...u32(90000), ...zeros(4), 0x55, 0xc4, 0, 0));
    const hdlr = full("hdlr", 0, 0, bytes(...zeros(4), ...[..."vide"].map((c) => c.charCodeAt(0)), ...zeros(12), ...[..."video"].map((c) => c.charCodeAt(0)), 0));
    const tkhd = full("tkhd", 0, 3, bytes(...zeros(8), ...u32(1), ...zeros(20), ...zeros(4), ...matrix, ...u32(width << 16), ...u32(height << 16)));
    const mvhd = full("mvhd", 0, 0, bytes(...zeros(8), ...u32(1000), ...zeros(4), ...u32(0x10000), ...u16(0x100), ...zeros(10), ...matrix, ...zeros(24), ...u32(2)));
    const mvex = box("mvex", full("trex", 0, 0, bytes(...u32(1), ...u32(1), ...zeros(12))));
    const ftyp = box("ftyp", bytes(...[..."isom"].map((c) => c.charCodeAt(0)), ...u32(0x200), ...[..."isomiso6avc1mp41"].map((c) => c.charCodeAt(0))));
    const moov = box("moov", mvhd, box("trak", tkhd, box("mdia", mdhd, hdlr, minf)), mvex);
    const out = new Uint8Array(ftyp.length + moov.length);
    out.set(ftyp);
    out.set(moov, ftyp.length);
    return out;
  };

  // One access unit as moof + mdat; units are its NAL units, written length-prefixed (parameter sets and
  // access unit delimiters left out: they live in the init segment).
  S.fmp4Fragment = (sequence, time, duration, key, units) => {
    const kept = units.filter((unit) => ![7, 8, 9].includes(S.nalType(unit)));
    const size = kept.reduce((sum, unit) => sum + 4 + unit.length, 0);
    const flags = key ? 0x02000000 : 0x01010000;
    const moof = (offset) =>
      box(
        "moof",
        full("mfhd", 0, 0, bytes(...u32(sequence))),
        box("traf", full("tfhd", 0, 0x020000, bytes(...u32(1))), full("tfdt", 1, 0, bytes(...u32(Math.floor(time / 2 ** 32)), ...u32(time >>> 0))), full("trun", 0, 0x701, bytes(...u32(1), ...u32(offset), ...u32(duration), ...u32(size), ...u32(flags)))),
      );
    const head = moof(moof(0).length + 8);
    const out = new Uint8Array(head.length + 8 + size);
    out.set(head);
    out.set([...u32(8 + size), 0x6d, 0x64, 0x61, 0x74], head.length);
    let at = head.length + 8;
    for (const unit of kept) {
      out.set(u32(unit.length), at);
      out.set(unit, at + 4);
      at += 4 + unit.length;
    }
    return out;
  };
})();
