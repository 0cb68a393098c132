import type { Subprocess } from "bun";

/** A real ffmpeg pushing a lavfi test pattern (video) or a sine tone (audio) to a relay URL, as `letsrobot stream` does. */
export interface Pusher {
  child: Subprocess<"ignore", "ignore", "pipe">;
  /** stderr text once it exited. */
  done: Promise<{ code: number | null; stderr: string }>;
  stop(): void;
}

export function pushTestStream(kind: "video" | "audio", url: string, options: { seconds?: number; bitrateK?: number; realtime?: boolean } = {}): Pusher {
  const seconds = String(options.seconds ?? 30);
  const input =
    kind === "video"
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
