import type { Subprocess } from "bun";
import { defaults } from "../../lib/config/schema.ts";
import { audioOutputArgs, videoOutputArgs } from "../../lib/media/plan.ts";

/** A real ffmpeg pushing a lavfi test pattern (video) or a sine tone (audio) to a relay URL, as `letsrobot stream` does. */
export interface Pusher {
  child: Subprocess<"ignore", "ignore", "pipe">;
  /** stderr text once it exited. */
  done: Promise<{ code: number | null; stderr: string }>;
  stop(): void;
}

/** H.264 + AAC with the encoder and muxer arguments `letsrobot stream` uses for `video.format = "h264"`. */
function h264Args(kind: "video" | "audio", seconds: string, bitrateK = 300): string[] {
  const config = defaults();
  Object.assign(config.video, { format: "h264", bitrate_kbps: bitrateK });
  if (kind === "audio") return ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", seconds, ...audioOutputArgs(config.audio, "h264").slice(0, -1)];
  return ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=30", "-t", seconds, ...videoOutputArgs(config.video, "scale=640:480").slice(0, -1)];
}

export function pushTestStream(kind: "video" | "audio", url: string, options: { seconds?: number; bitrateK?: number; realtime?: boolean; format?: "mpeg1" | "h264" } = {}): Pusher {
  const seconds = String(options.seconds ?? 30);
  const input =
    options.format === "h264"
      ? h264Args(kind, seconds, options.bitrateK)
      : kind === "video"
      ? ["-f", "lavfi", "-i", `testsrc2=size=640x480:rate=30`, "-t", seconds, "-codec:v", "mpeg1video", "-b:v", `${options.bitrateK ?? 1000}k`, "-bf", "0", "-g", "15"]
      : ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", seconds, "-ac", "1", "-codec:a", "mp2", "-b:a", "32k"];
  const child = Bun.spawn(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", ...(options.realtime === false ? [] : ["-re"]), ...input, "-f", "mpegts", "-muxdelay", "0.001", url], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const done = Promise.all([new Response(child.stderr).text(), child.exited]).then(([stderr, code]) => ({ code, stderr }));
  return { child, done, stop: () => child.kill("SIGKILL") };
}
