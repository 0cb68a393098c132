import { readFileSync } from "node:fs";
import { runProcess } from "../lib/process/run.ts";

/**
 * Measuring tools for bench/media.ts: raw frames to feed an encoder, an MPEG-TS watcher that notes when
 * each video frame becomes decodable, and CPU time of a process from /proc/PID/stat.
 */

/** `count` distinct 640x480 yuv420p frames of the moving test pattern, made once by ffmpeg. */
export async function rawFrames(width: number, height: number, count: number): Promise<Uint8Array[]> {
  const result = Bun.spawnSync(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=30`, "-frames:v", String(count), "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"], { stdout: "pipe" });
  const bytes = new Uint8Array(result.stdout);
  const size = (width * height * 3) / 2;
  return Array.from({ length: Math.floor(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
}

/**
 * Watches MPEG-TS bytes for one PID and records when each PES (one MPEG-1 picture with -bf 0) is complete:
 * at its last byte when the PES length is written, else only when the next PES starts — what a jsmpeg
 * viewer experiences.
 */
export class PesWatcher {
  readonly completedAt: number[] = [];
  private rest = new Uint8Array(0);
  private open = false;
  private need = 0;
  private got = 0;

  constructor(private readonly pid = 0x100) {}

  push(chunk: Uint8Array, now = performance.now()): void {
    const bytes = new Uint8Array(this.rest.length + chunk.length);
    bytes.set(this.rest);
    bytes.set(chunk, this.rest.length);
    let at = 0;
    for (; at + 188 <= bytes.length; at += 188) {
      if (bytes[at] !== 0x47) continue;
      const b1 = bytes[at + 1] ?? 0;
      const pid = ((b1 & 0x1f) << 8) | (bytes[at + 2] ?? 0);
      if (pid !== this.pid) continue;
      const afc = ((bytes[at + 3] ?? 0) >> 4) & 3;
      if (!(afc & 1)) continue;
      const start = at + 4 + (afc === 3 ? 1 + (bytes[at + 4] ?? 0) : 0);
      const payload = at + 188 - start;
      if (b1 & 0x40) {
        if (this.open && this.need === 0) this.completedAt.push(now);
        const length = ((bytes[start + 4] ?? 0) << 8) | (bytes[start + 5] ?? 0);
        this.open = true;
        this.need = length ? length + 6 : 0;
        this.got = 0;
      }
      if (!this.open) continue;
      this.got += payload;
      if (this.need && this.got >= this.need) {
        this.completedAt.push(now);
        this.open = false;
      }
    }
    this.rest = bytes.slice(at);
  }
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

let clockTicks = 100;
export async function readClockTicks(): Promise<void> {
  const answer = await runProcess("getconf", ["CLK_TCK"]);
  clockTicks = Number(answer.stdout.trim()) || 100;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export function summary(values: number[]): { median: number; min: number; max: number } {
  return { median: percentile(values, 50), min: Math.min(...values), max: Math.max(...values) };
}
