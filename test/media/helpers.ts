import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, defaults } from "../../lib/config/schema.ts";
import { createLogger, type Logger } from "../../lib/log.ts";
import { runProcess } from "../../lib/process/run.ts";

/** Poll a condition until it holds; fails with `what` after timeoutMs. Bounded, no fixed sleeps. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The command line of a process as `ps` shows it. */
export async function commandLine(pid: number): Promise<string> {
  return (await runProcess("ps", ["-o", "args=", "-p", String(pid)])).stdout.trim();
}

/** Streams in captured MPEG-TS bytes, as ffprobe sees them. */
export async function probeStreams(chunks: Uint8Array[]): Promise<{ codec_type: string; codec_name: string; id?: string }[]> {
  const file = join(mkdtempSync(join(tmpdir(), "letsrobot-ts-")), "captured.ts");
  writeFileSync(file, Buffer.concat(chunks));
  const result = await runProcess("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_name,id", "-of", "json", file], { timeoutMs: 10000 });
  return (JSON.parse(result.stdout || "{}").streams ?? []) as { codec_type: string; codec_name: string; id?: string }[];
}

/** A small, cheap stream config for tests: 320x240 test pattern and tone. */
export function smallConfig(options: { audio?: boolean } = {}): Config {
  const config = defaults();
  Object.assign(config.video, { width: 320, height: 240, bitrate_kbps: 300 });
  if (options.audio === false) Object.assign(config.audio, { enabled: false });
  return config;
}

export function testLogger(): Logger {
  return createLogger(process.env.LETSROBOT_TEST_LOG === "1" ? "debug" : "silent");
}

/** The PES packet length field of every PES that starts on `pid` in captured MPEG-TS (0 = length omitted). */
export function pesLengths(chunks: Uint8Array[], pid = 0x100): number[] {
  const bytes = Buffer.concat(chunks);
  const lengths: number[] = [];
  for (let at = bytes.indexOf(0x47); at >= 0 && at + 188 <= bytes.length; at += 188) {
    const b1 = bytes[at + 1] ?? 0;
    if (!(b1 & 0x40) || (((b1 & 0x1f) << 8) | (bytes[at + 2] ?? 0)) !== pid) continue;
    const afc = ((bytes[at + 3] ?? 0) >> 4) & 3;
    const start = at + 4 + (afc === 3 ? 1 + (bytes[at + 4] ?? 0) : 0);
    if (bytes[start] === 0 && bytes[start + 1] === 0 && bytes[start + 2] === 1) lengths.push(((bytes[start + 4] ?? 0) << 8) | (bytes[start + 5] ?? 0));
  }
  return lengths;
}
