import type { RunProcess } from "../process/run.ts";
import type { Camera } from "./devices.ts";

/** What a V4L2 camera can deliver, read from `ffmpeg -f v4l2 -list_formats all` (parser is pure). */
export interface CameraFormat {
  /** ffmpeg's name, what video.input_format takes: yuyv422, mjpeg, h264 … */
  format: string;
  compressed: boolean;
  description: string;
  /** "640x480", or a stepwise range such as "{32-2592, 2}x{32-1944, 2}". */
  sizes: string[];
}

export function parseV4l2Formats(stderr: string): CameraFormat[] {
  const found: CameraFormat[] = [];
  for (const line of stderr.split("\n")) {
    const match = /\]\s*(Raw|Compressed)\s*:\s*(\S+)\s+:\s+(.*?)\s+:\s*(.*)$/.exec(line);
    if (!match) continue;
    const sizes = (match[4] ?? "").match(/\{[^}]*\}x\{[^}]*\}|\d+x\d+/g) ?? [];
    found.push({ format: match[2] ?? "", compressed: match[1] === "Compressed", description: match[3] ?? "", sizes });
  }
  return found;
}

export interface CameraListing extends Camera {
  formats: CameraFormat[];
  /** Why the formats could not be read. */
  error?: string;
}

/** Each camera with its formats and sizes (asks ffmpeg; a busy or missing device gets an error instead). */
export async function describeCameras(cameras: Camera[], runProcess: RunProcess): Promise<CameraListing[]> {
  return Promise.all(
    cameras.map(async (camera) => {
      const result = await runProcess("ffmpeg", ["-hide_banner", "-f", "v4l2", "-list_formats", "all", "-i", camera.path], { timeoutMs: 5000 });
      const formats = parseV4l2Formats(result.stderr);
      if (formats.length > 0) return { ...camera, formats };
      const why = result.missing ? "ffmpeg not found" : (result.stderr.trim().split("\n").pop() ?? "no formats reported");
      return { ...camera, formats, error: why.replace(/^\[[^\]]+\]\s*/, "") };
    }),
  );
}

export function formatSummary(formats: CameraFormat[]): string {
  return formats.map((f) => `${f.format} ${f.sizes.join(" ")}`.trim()).join("; ");
}
