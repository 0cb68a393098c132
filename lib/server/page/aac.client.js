// AAC audio of the H.264 path (served from /assets/aac.js): ADTS frames from each PES, played either through
// WebCodecs (AudioDecoder → Web Audio, scheduled back to back a little ahead of the clock) or, where WebCodecs
// is absent, through Media Source Extensions (an <audio> element fed raw ADTS). Both stay silent until the
// viewer turns sound on: a click, which is also what browsers require before they play sound.
(() => {
  "use strict";
  const S = (window.LetsrobotStream = window.LetsrobotStream || {});
  const rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
  const AHEAD_S = 0.05; // scheduled this far ahead of the audio clock
  const LATE_S = 0.3; // more than this ahead (a burst): start again at the clock

  // ADTS frames of one PES payload: { sampleRate, channels, data }.
  S.adtsFrames = (data) => {
    const frames = [];
    for (let at = 0; at + 7 <= data.length; ) {
      if (data[at] !== 0xff || (data[at + 1] & 0xf0) !== 0xf0) break;
      const length = ((data[at + 3] & 3) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5);
      if (length < 7 || at + length > data.length) break;
      const sampleRate = rates[(data[at + 2] >> 2) & 0x0f] || 44100;
      const channels = ((data[at + 2] & 1) << 2) | (data[at + 3] >> 6) || 1;
      frames.push({ sampleRate, channels, data: data.subarray(at, at + length) });
      at += length;
    }
    return frames;
  };

  S.createWebCodecsAudio = (onDecode) => {
    let context = null;
    let gain = null;
    let decoder = null;
    let format = "";
    let next = 0;
    let time = 0;
    function play(data) {
      onDecode();
      if (!context || context.state !== "running") return data.close();
      const buffer = context.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
      for (let channel = 0; channel < data.numberOfChannels; channel++) data.copyTo(buffer.getChannelData(channel), { planeIndex: channel, format: "f32-planar" });
      data.close();
      const now = context.currentTime;
      if (next < now || next > now + LATE_S) next = now + AHEAD_S;
      const node = context.createBufferSource();
      node.buffer = buffer;
      node.connect(gain);
      node.start(next);
      next += buffer.duration;
    }
    return {
      push(pes) {
        for (const frame of S.adtsFrames(pes.data)) {
          const wanted = `${frame.sampleRate}/${frame.channels}`;
          if (wanted !== format || !decoder || decoder.state === "closed") {
            format = wanted;
            decoder = new AudioDecoder({ output: play, error: () => (format = "") });
            decoder.configure({ codec: "mp4a.40.2", sampleRate: frame.sampleRate, numberOfChannels: frame.channels });
          }
          time += Math.round((1024 * 1e6) / frame.sampleRate);
          decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: time, data: frame.data }));
        }
      },
      setSound(on) {
        if (!on && !context) return;
        if (!context) {
          context = new AudioContext({ latencyHint: "interactive" });
          gain = context.createGain();
          gain.connect(context.destination);
        }
        if (on && context.state === "suspended") context.resume();
        gain.gain.value = on ? 1 : 0;
      },
    };
  };

  S.createMseAudio = (box, onDecode) => {
    const audio = document.createElement("audio");
    audio.muted = true;
    audio.hidden = true;
    box.append(audio);
    const sink = S.createMseSink(audio, "audio/aac", "sequence");
    return {
      push(pes) {
        for (const frame of S.adtsFrames(pes.data)) {
          sink.append(frame.data);
          onDecode();
        }
      },
      setSound(on) {
        audio.muted = !on;
        if (on) audio.play().catch(() => {});
      },
    };
  };
})();
