// Media Source Extensions, the path where WebCodecs is absent (plain http on a LAN): served from
// /assets/mse.js. A sink appends segments to a media element and keeps it at the live edge: it speeds up a
// little when behind, jumps when far behind, and drops what it has played. The H.264 path remuxes each
// access unit to fragmented MP4 and plays it in a <video> that takes the canvas's place.
(() => {
  "use strict";
  const S = (window.LetsrobotStream = window.LetsrobotStream || {});
  const JUMP_S = 0.5; // further behind than this: jump to the live edge
  const HURRY_S = 0.15; // further behind than this: play 10 % faster
  const KEEP_S = 5; // seconds kept behind the play position

  // MediaSource, or ManagedMediaSource (Safari on iPhone, iOS 17.1+), which wants remote playback off.
  const Source = window.MediaSource || window.ManagedMediaSource;
  S.mseAvailable = typeof Source === "function";

  S.createMseSink = (element, mimeType, mode) => {
    const source = new Source();
    if (Source !== window.MediaSource) element.disableRemotePlayback = true;
    const queue = [];
    let buffer = null;
    element.src = URL.createObjectURL(source);
    source.addEventListener("sourceopen", () => {
      buffer = source.addSourceBuffer(mimeType);
      buffer.mode = mode;
      buffer.addEventListener("updateend", pump);
      pump();
    });
    function pump() {
      if (!buffer || buffer.updating || source.readyState !== "open") return;
      const ranges = buffer.buffered;
      if (ranges.length && element.currentTime - ranges.start(0) > 2 * KEEP_S) return buffer.remove(0, element.currentTime - KEEP_S);
      if (queue.length) buffer.appendBuffer(queue.shift());
    }
    function followLiveEdge() {
      const ranges = element.buffered;
      if (!ranges.length) return;
      const end = ranges.end(ranges.length - 1);
      const behind = end - element.currentTime;
      if (behind > JUMP_S || element.currentTime < ranges.start(0)) element.currentTime = Math.max(ranges.start(ranges.length - 1), end - 0.05);
      element.playbackRate = behind > HURRY_S ? 1.1 : 1;
      if (element.paused) element.play().catch(() => {});
    }
    setInterval(followLiveEdge, 250);
    return {
      // false when the queue overflowed and was emptied, this segment too (the element stopped taking data):
      // the caller starts over at its next key frame
      append(segment) {
        if (queue.length > 60) {
          queue.length = 0;
          return false;
        }
        queue.push(segment);
        pump();
        return true;
      },
    };
  };

  S.createMseVideo = (canvas, onFrame) => {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    video.className = "live";
    video.setAttribute("aria-label", canvas.getAttribute("aria-label") || "live video");
    canvas.hidden = true;
    canvas.after(video);
    const counted = () => {
      onFrame();
      video.requestVideoFrameCallback(counted);
    };
    video.requestVideoFrameCallback(counted);
    let sink = null;
    let parameterSets = "";
    let base = 0;
    let last = 0;
    let duration = 3000;
    let sequence = 1;
    return {
      push(pes) {
        const units = S.nalUnits(pes.data);
        const sps = units.find((unit) => S.nalType(unit) === 7);
        const pps = units.find((unit) => S.nalType(unit) === 8);
        const key = units.some((unit) => S.nalType(unit) === 5);
        if ((!sink || !parameterSets) && !(sps && pps && key)) return; // start at a key frame
        if (sps && pps && `${sps}|${pps}` !== parameterSets) {
          if (!sink) {
            sink = S.createMseSink(video, `video/mp4; codecs="${S.avcCodec(sps)}"`, "segments");
            base = last = pes.pts || 0;
          }
          parameterSets = `${sps}|${pps}`;
          sink.append(S.fmp4Init(sps, pps, canvas.width, canvas.height));
        }
        const pts = pes.pts === undefined ? last + duration : pes.pts;
        if (pts > last && pts - last < 90000) duration = pts - last;
        last = pts;
        if (!sink.append(S.fmp4Fragment(sequence++, (pts - base + 2 ** 33) % 2 ** 33, duration, key, units))) parameterSets = "";
      },
    };
  };
})();
