import { readFileSync } from "node:fs";

/** RMS of a 16-bit PCM WAV file's samples, 0..1 (0 = silence). */
export function wavRms(path: string): { rms: number; seconds: number } {
  const data = readFileSync(path);
  if (data.toString("ascii", 0, 4) !== "RIFF" || data.toString("ascii", 8, 12) !== "WAVE") throw new Error(`${path} is not a WAV file`);
  let offset = 12;
  let rate = 0;
  let bits = 16;
  let channels = 1;
  while (offset + 8 <= data.length) {
    const id = data.toString("ascii", offset, offset + 4);
    let size = data.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      channels = data.readUInt16LE(body + 2);
      rate = data.readUInt32LE(body + 4);
      bits = data.readUInt16LE(body + 14);
    }
    if (id === "data") {
      if (bits !== 16) throw new Error(`${path}: expected 16-bit samples, got ${bits}`);
      if (size === 0 || size === 0xffffffff || body + size > data.length) size = data.length - body; // streamed WAV headers
      let sum = 0;
      const n = Math.floor(size / 2);
      for (let i = 0; i < n; i++) {
        const s = data.readInt16LE(body + i * 2) / 32768;
        sum += s * s;
      }
      return { rms: n ? Math.sqrt(sum / n) : 0, seconds: n / channels / (rate || 1) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}
