/** Sound levels of 16-bit PCM in dBFS, a text meter, and a WAV wrapper (pure). */
export interface Level {
  /** Loudest sample, dBFS (0 = full scale; -Infinity = digital silence). */
  peakDb: number;
  /** Root mean square, dBFS. */
  rmsDb: number;
  /** Samples at full scale (clipped). */
  clipped: number;
  samples: number;
}

const FULL_SCALE = 32768;

function toDb(amplitude: number): number {
  return amplitude > 0 ? 20 * Math.log10(amplitude) : Number.NEGATIVE_INFINITY;
}

export function levelOf(samples: Int16Array): Level {
  let peak = 0;
  let sum = 0;
  let clipped = 0;
  for (const s of samples) {
    const a = Math.abs(s);
    if (a > peak) peak = a;
    if (s >= 32767 || s <= -32768) clipped += 1;
    sum += s * s;
  }
  const rms = samples.length ? Math.sqrt(sum / samples.length) : 0;
  return { peakDb: toDb(peak / FULL_SCALE), rmsDb: toDb(rms / FULL_SCALE), clipped, samples: samples.length };
}

export type Verdict = "ok" | "silent" | "clipping";

/** Silence: nothing above -60 dBFS. Clipping: more than 1 in 1000 samples at full scale. */
export function judgeLevel(level: Level): Verdict {
  if (level.samples > 0 && level.clipped / level.samples > 0.001) return "clipping";
  if (level.peakDb < -60) return "silent";
  return "ok";
}

export function formatDb(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(1)} dBFS` : "-inf dBFS";
}

/** A bar from -60 dBFS (empty) to 0 dBFS (full): "[#########.........] -21.3 dBFS". */
export function meter(db: number, width = 30): string {
  const fraction = Number.isFinite(db) ? Math.min(1, Math.max(0, (db + 60) / 60)) : 0;
  const filled = Math.round(fraction * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${formatDb(db).padStart(10)}`;
}

/** Mono or interleaved 16-bit PCM as a WAV file. */
export function toWav(samples: Int16Array, rate: number, channels = 1): Uint8Array {
  const data = samples.byteLength;
  const out = new Uint8Array(44 + data);
  const view = new DataView(out.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + data, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, data, true);
  out.set(new Uint8Array(samples.buffer, samples.byteOffset, data), 44);
  return out;
}
