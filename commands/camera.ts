import { resolve } from "node:path";
import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { checkCamera, toCameraPlan } from "../lib/media/camera.ts";
import { scanDevices } from "../lib/media/devices.ts";
import { describeCameras, formatSummary } from "../lib/media/formats.ts";
import { formatTable } from "../lib/output.ts";
import { spawnGroup } from "../lib/process/group.ts";
import { runProcess } from "../lib/process/run.ts";
import { mediaFlags, outputFile, secondsFlag } from "./args.ts";

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

export const cameraAction: Action<"camera"> = async (args, deps) => {
  const devices = scanDevices(deps.env);
  const cameras = devices.cameras ?? [];
  if (args.list) {
    const listing = await describeCameras(cameras, runProcess);
    const pi = devices.piCamera ? { program: devices.piCameraApp ?? "none found (sudo apt install rpicam-apps)" } : undefined;
    if (args.json) return deps.out.json({ cameras: listing, ...(pi ? { piCamera: pi } : {}) });
    if (pi) deps.out.text(`Raspberry Pi camera on the CSI connector, read with ${pi.program} (video.source = auto streams it)`);
    if (listing.length === 0 && !pi) {
      deps.out.text("no cameras found");
      deps.log.info("hint: plug a USB camera in; without one, `letsrobot stream` sends a test pattern");
      return;
    }
    if (listing.length > 0) deps.out.text(formatTable(["name", "path", "formats and sizes"], listing.map((c) => [c.name, c.path, c.error ? `(${c.error})` : formatSummary(c.formats)])));
    return;
  }
  const seconds = secondsFlag(args.seconds, "--seconds") ?? 3;
  const { config } = resolveConfig({ path: args.config, flags: mediaFlags(args), env: deps.env, cwd: deps.cwd });
  const png = outputFile(resolve(deps.cwd, args.out || `camera-${stamp(new Date())}.png`), "--out");
  const plan = toCameraPlan(config.video, devices, png, seconds);
  deps.log.start(`reading ${plan.source} for ${seconds} s`);
  const report = await checkCamera(plan, { spawn: spawnGroup, shutdown: deps.shutdown });
  if (args.json) return deps.out.json(report);
  const fps = report.fps === undefined ? "unknown fps" : `${report.fps.toFixed(1)} fps`;
  deps.out.text(report.png);
  deps.out.text(`${report.width}x${report.height} at ${fps} (measured over ${seconds} s, ${report.frames} frames) from ${report.source}`);
  if (report.fps !== undefined && report.fps < config.video.fps * 0.8) {
    deps.log.warn(`the camera delivers ${fps}, less than video.fps = ${config.video.fps}; try a smaller size, more light, or video.input_format = "mjpeg"`);
  }
};
