/**
 * ffmpeg's `-progress` output and log lines (pure). Progress arrives as blocks of key=value lines, each
 * block ending with `progress=continue` or `progress=end`; everything else on stderr is a log line.
 */
export interface Progress {
  frames?: number;
  fps?: number;
  kbps?: number;
  /** Bytes written so far. */
  totalSize?: number;
  /** Media time written so far, in microseconds. */
  outTimeUs?: number;
  speed?: number;
  end: boolean;
}

const PROGRESS_KEYS = new Set(["frame", "fps", "bitrate", "total_size", "out_time_us", "out_time_ms", "out_time", "dup_frames", "drop_frames", "speed", "progress"]);

function numberOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Feed stderr text in any chunking; get whole progress blocks and log lines back. */
export class ProgressParser {
  private partial = "";
  private block: Record<string, string> = {};

  push(chunk: string): { blocks: Progress[]; lines: string[] } {
    const blocks: Progress[] = [];
    const lines: string[] = [];
    const parts = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? "";
    for (const raw of parts) {
      const line = raw.trim();
      if (!line) continue;
      const match = /^([a-z_0-9]+)=(.*)$/.exec(line);
      const key = match?.[1];
      if (!match || !key || !(PROGRESS_KEYS.has(key) || /^stream_\d+_\d+_q$/.test(key))) {
        lines.push(line);
        continue;
      }
      this.block[key] = (match[2] ?? "").trim();
      if (key === "progress") {
        blocks.push(toProgress(this.block));
        this.block = {};
      }
    }
    return { blocks, lines };
  }
}

export function toProgress(fields: Record<string, string>): Progress {
  const speed = fields.speed?.replace(/x$/, "");
  const bitrate = fields.bitrate?.replace(/kbits\/s$/, "");
  return {
    frames: numberOf(fields.frame),
    fps: numberOf(fields.fps),
    kbps: numberOf(bitrate),
    totalSize: numberOf(fields.total_size),
    outTimeUs: numberOf(fields.out_time_us),
    speed: numberOf(speed),
    end: fields.progress === "end",
  };
}

/** True when a block shows work done since the previous one (frames, bytes or media time moved). */
export function advanced(previous: Progress | undefined, next: Progress): boolean {
  if (!previous) return true;
  return (next.frames ?? 0) > (previous.frames ?? 0) || (next.totalSize ?? 0) > (previous.totalSize ?? 0) || (next.outTimeUs ?? 0) > (previous.outTimeUs ?? 0);
}

const explanations: [RegExp, string][] = [
  [/No such file or directory/i, "the device or file does not exist (unplugged, or wrong name?)"],
  [/Device or resource busy/i, "the device is busy: another program is using it"],
  [/Permission denied/i, "permission denied: add this user to the video/audio group, or check file permissions"],
  [/Connection refused/i, "connection refused: nothing is listening there"],
  [/Connection timed out|timed out/i, "the connection timed out"],
  [/Server returned 401|Server returned 403|HTTP error 40[13]/i, "the server refused access (check the URL's user name and password)"],
  [/Server returned 404|HTTP error 404/i, "the server has no such address (HTTP 404)"],
  [/Invalid data found when processing input/i, "the source sent data ffmpeg cannot read (wrong input_format?)"],
  [/Unknown encoder|Encoder not found|Unknown decoder/i, "this ffmpeg lacks a needed codec: install Debian's full ffmpeg"],
  [/Unknown input format|Unknown format/i, "this ffmpeg lacks a needed input (v4l2/alsa/pulse/lavfi)"],
  [/does not support .* fps|frame rate .* not supported/i, "the encoder rejects this frame rate"],
  [/Broken pipe/i, "the stream's reader went away (broken pipe)"],
  [/Cannot open audio device|cannot open audio device/i, "the sound device cannot be opened (in use, or wrong card)"],
  [/not found|command not found/i, "a program was not found: is it installed?"],
];

/** The last ffmpeg error line in plain words, keeping the original for reference. */
export function explainFfmpegError(line: string): string {
  const text = line.replace(/^\[[^\]]+ @ 0x[0-9a-f]+\]\s*/, "").trim();
  const found = explanations.find(([pattern]) => pattern.test(text));
  return found ? `${found[1]} (ffmpeg: ${text})` : text;
}

/** Of ffmpeg's last log lines, the one that says most (a known cause wins over a generic last line), in plain words. */
export function explainFfmpegLines(lines: readonly string[]): string | undefined {
  const known = [...lines].reverse().find((line) => explanations.some(([pattern]) => pattern.test(line)));
  const chosen = known ?? lines.at(-1);
  return chosen === undefined ? undefined : explainFfmpegError(chosen);
}
