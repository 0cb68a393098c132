// The viewer page's video and audio (served from /assets/media.js). One websocket per stream kind; the
// MPEG-TS it carries names its codec in the PMT, so the page follows whatever the robot sends:
// MPEG-1/MP2 go to jsmpeg (fed from the same socket), H.264/AAC to WebCodecs where the page is a secure
// context, else to Media Source Extensions. A badge says which. `?decoder=mse` forces the MSE path.
// A robot that changes format mid-session reloads the page, so each path starts on a fresh canvas.
(() => {
  "use strict";
  const S = (window.LetsrobotStream = window.LetsrobotStream || {});
  const RETRY_MS = 2000;

  // A jsmpeg source fed from our socket instead of its own. jsmpeg calls start() once its WebAssembly decoder
  // is ready; data before that is dropped (the stream is live).
  function FedSource() {
    this.destination = null;
    this.streaming = true;
    this.started = false;
    this.established = false;
    this.completed = false;
    this.progress = 0;
  }
  FedSource.prototype.connect = function (destination) {
    this.destination = destination;
  };
  FedSource.prototype.start = function () {
    this.started = true;
  };
  FedSource.prototype.resume = FedSource.prototype.destroy = () => {};
  FedSource.prototype.push = function (buffer) {
    if (!this.started || !this.destination) return;
    this.established = true;
    this.progress = 1;
    this.destination.write(buffer);
  };

  function jsmpegPlayer(kind, o) {
    let source = null;
    const Source = function () {
      FedSource.call(this);
      source = this;
    };
    Source.prototype = Object.create(FedSource.prototype);
    const common = { source: Source, pauseWhenHidden: false };
    const player =
      kind === "video"
        ? new JSMpeg.Player("fed", { ...common, canvas: o.canvas, audio: false, preserveDrawingBuffer: true, videoBufferSize: 1024 * 1024, onVideoDecode: o.onVideoFrame })
        : new JSMpeg.Player("fed", { ...common, video: false, audio: true, maxAudioLag: 0.3, onAudioDecode: o.onAudioFrame });
    if (kind === "audio") player.volume = 0;
    return {
      raw: (buffer) => source.push(buffer),
      setSound(on) {
        const context = player.audioOut && player.audioOut.context;
        if (on && context && context.state === "suspended") context.resume();
        player.volume = on ? 1 : 0;
      },
    };
  }

  // o: { wsBase, canvas, box, badge, decoder ("mse" to force it), onVideoFrame, onAudioFrame } → { setSound(on) }
  S.startMedia = (o) => {
    const webcodecs = o.decoder !== "mse" && typeof VideoDecoder === "function" && typeof AudioDecoder === "function";
    const path = webcodecs ? "WebCodecs" : "MSE";
    const players = {};
    const codecs = {};
    let sound = false;

    function show(kind, text) {
      if (kind !== "video") return;
      o.badge.textContent = text;
      o.badge.hidden = false;
    }

    function choose(kind, codec) {
      if (codecs[kind] === codec) return;
      if (codecs[kind]) return location.reload(); // the robot changed format
      codecs[kind] = codec;
      if (codec === "mpeg1" || codec === "mp2") {
        if (!window.JSMpeg) return show(kind, "no MPEG-1 player");
        players[kind] = jsmpegPlayer(kind, o);
      } else if (codec !== "h264" && codec !== "aac") {
        return show(kind, `cannot play ${codec}`);
      } else if (!webcodecs && !S.mseAvailable) {
        return show(kind, "H.264 needs https in this browser");
      } else if (codec === "h264") {
        players.video = webcodecs ? S.createWebCodecsVideo(o.canvas, o.onVideoFrame) : S.createMseVideo(o.canvas, o.onVideoFrame);
      } else {
        players.audio = webcodecs ? S.createWebCodecsAudio(o.onAudioFrame) : S.createMseAudio(o.box, o.onAudioFrame);
      }
      show(kind, codec === "h264" ? `H.264 · ${path}` : "MPEG-1");
      if (sound && players[kind].setSound) players[kind].setSound(true);
    }

    function open(kind) {
      const socket = new WebSocket(`${o.wsBase}/${kind}`);
      socket.binaryType = "arraybuffer";
      const demuxer = S.createTsDemuxer(choose, (pes) => {
        const player = players[pes.kind];
        if (player && player.push) player.push(pes);
      });
      socket.onmessage = (event) => {
        demuxer.push(new Uint8Array(event.data));
        const player = players[kind];
        if (player && player.raw) player.raw(event.data);
      };
      socket.onclose = () => setTimeout(() => open(kind), RETRY_MS);
    }
    open("video");
    open("audio");

    return {
      setSound(on) {
        sound = on;
        for (const player of Object.values(players)) if (player.setSound) player.setSound(on);
      },
    };
  };
})();
