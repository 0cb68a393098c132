// H.264 in the browser (served from /assets/h264.js): Annex B access units split into NAL units, the codec
// string from the SPS, and the WebCodecs path: a VideoDecoder tuned for latency that draws each frame on the
// canvas as soon as it is decoded. WebCodecs exists only in secure contexts (https, 127.0.0.1, localhost).
(() => {
  "use strict";
  const S = (window.LetsrobotStream = window.LetsrobotStream || {});

  // NAL units (without start codes) of one Annex B access unit.
  S.nalUnits = (data) => {
    const units = [];
    let start = -1;
    const cut = (end) => {
      while (end > start && data[end - 1] === 0) end--;
      if (end > start) units.push(data.subarray(start, end));
    };
    for (let i = 0; i + 2 < data.length; i++) {
      if (data[i] !== 0 || data[i + 1] !== 0 || data[i + 2] !== 1) continue;
      if (start >= 0) cut(i);
      start = i + 3;
      i += 2;
    }
    if (start >= 0) cut(data.length);
    return units;
  };
  S.nalType = (unit) => unit[0] & 0x1f;
  const hex = (n) => n.toString(16).padStart(2, "0");
  // "avc1.PPCCLL": profile, constraint flags and level, straight from the SPS.
  S.avcCodec = (sps) => `avc1.${hex(sps[1])}${hex(sps[2])}${hex(sps[3])}`;

  S.createWebCodecsVideo = (canvas, onFrame) => {
    const ctx = canvas.getContext("2d");
    let decoder = null;
    let codec = "";
    let needKey = true;
    function open(wanted) {
      if (decoder && decoder.state !== "closed") decoder.close();
      codec = wanted;
      needKey = true;
      decoder = new VideoDecoder({
        output(frame) {
          if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
            canvas.width = frame.displayWidth;
            canvas.height = frame.displayHeight;
          }
          ctx.drawImage(frame, 0, 0, canvas.width, canvas.height);
          frame.close();
          onFrame();
        },
        error() {
          needKey = true;
          codec = ""; // reopened at the next SPS
        },
      });
      decoder.configure({ codec, optimizeForLatency: true });
    }
    return {
      push(pes) {
        const types = S.nalUnits(pes.data).map((unit) => [S.nalType(unit), unit]);
        const sps = types.find(([type]) => type === 7);
        const key = types.some(([type]) => type === 5);
        if (sps && S.avcCodec(sps[1]) !== codec) open(S.avcCodec(sps[1]));
        if (!decoder || decoder.state !== "configured" || (needKey && !key)) return;
        if (!key && decoder.decodeQueueSize > 8) return void (needKey = true); // behind: skip to the next key frame
        needKey = false;
        decoder.decode(new EncodedVideoChunk({ type: key ? "key" : "delta", timestamp: Math.round(((pes.pts || 0) * 100) / 9), data: pes.data }));
      },
    };
  };
})();
