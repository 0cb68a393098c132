import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { systemRoots } from "../deps.ts";

/** Device discovery from sysfs/procfs, by name (numbers change across reboots). Roots are parameters so tests use fixture trees. */
export interface Camera {
  name: string;
  path: string;
}

export interface SoundCard {
  /** Card number at this boot: do not store it. */
  index: number;
  /** Short id, stable: what ALSA's hw:CARD=<id> takes. */
  id: string;
  name: string;
  capture: boolean;
  playback: boolean;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** What a stream plan may use besides the config: devices found at start-up. */
export interface KnownDevices {
  cameras?: Camera[];
  soundCards?: SoundCard[];
  /** A Raspberry Pi camera is on the CSI connector (`video.source = auto` then streams it). */
  piCamera?: boolean;
  /** The Pi camera program on PATH: rpicam-vid (Bookworm and later), else libcamera-vid (Bullseye). */
  piCameraApp?: string;
}

/**
 * The Pi's CSI receivers (unicam on Pi 1-4, rp1-cfe on Pi 5): they register a video node only when the firmware
 * found a camera at boot, and carry raw sensor frames that only libcamera turns into pictures.
 */
const CSI_RECEIVER = /^(unicam|rp1-cfe)/;

function videoNodes(sysRoot: string): { entry: string; name: string }[] {
  const dir = join(sysRoot, "class/video4linux");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((entry) => /^video\d+$/.test(entry))
    .filter((entry) => (read(join(dir, entry, "index")) ?? "0") === "0")
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((entry) => ({ entry, name: read(join(dir, entry, "name")) ?? entry }));
}

/**
 * /sys/class/video4linux/videoN/name → cameras; only capture nodes (index 0). The Pi's CSI receiver is left out
 * (it is the Pi camera: `hasPiCamera`); its codec nodes stay (the hardware H.264 encoder is found among them).
 */
export function listCameras(sysRoot = "/sys", devRoot = "/dev"): Camera[] {
  return videoNodes(sysRoot)
    .filter((node) => !CSI_RECEIVER.test(node.name))
    .map((node) => ({ name: node.name, path: join(devRoot, node.entry) }));
}

/** Whether a Raspberry Pi camera is connected (its CSI receiver has a video node). */
export function hasPiCamera(sysRoot = "/sys"): boolean {
  return videoNodes(sysRoot).some((node) => CSI_RECEIVER.test(node.name));
}

/** The first of `programs` that is an executable file in one of the PATH directories. */
export function findOnPath(programs: readonly string[], path: string): string | undefined {
  for (const program of programs) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, program), constants.X_OK);
        return program;
      } catch {
        // not in this directory
      }
    }
  }
  return undefined;
}

export const PI_CAMERA_APPS = ["rpicam-vid", "libcamera-vid"] as const;

/** Everything a stream plan may use, found from sysfs/procfs (moved by the system roots in tests) and PATH. */
export function scanDevices(env: Record<string, string | undefined>): KnownDevices {
  const roots = systemRoots(env);
  return {
    cameras: listCameras(roots.sys, roots.dev),
    soundCards: listSoundCards(roots.proc),
    piCamera: hasPiCamera(roots.sys),
    piCameraApp: findOnPath(PI_CAMERA_APPS, env.PATH ?? ""),
  };
}

/**
 * The hardware H.264 encoder, a V4L2 memory-to-memory node named like "bcm2835-codec-encode" (Raspberry Pi 1-4;
 * the Pi 5 has none), or undefined.
 */
export function hardwareH264Encoder(nodes: Camera[]): Camera | undefined {
  return nodes.find((node) => /codec-encode$/i.test(node.name));
}

/** /proc/asound/cards and /proc/asound/pcm → sound cards with capture/playback ability. */
export function listSoundCards(procRoot = "/proc"): SoundCard[] {
  const cards = read(join(procRoot, "asound/cards"));
  if (!cards) return [];
  const pcm = read(join(procRoot, "asound/pcm")) ?? "";
  const found: SoundCard[] = [];
  for (const match of cards.matchAll(/^\s*(\d+)\s+\[(\S+)\s*\]:\s*.+? - (.+)$/gm)) {
    const index = Number(match[1]);
    const prefix = `${String(index).padStart(2, "0")}-`;
    const lines = pcm.split("\n").filter((l) => l.startsWith(prefix));
    found.push({
      index,
      id: match[2] ?? "",
      name: (match[3] ?? "").trim(),
      capture: lines.some((l) => l.includes("capture")),
      playback: lines.some((l) => l.includes("playback")),
    });
  }
  return found;
}

/** Find a camera by name (case-insensitive substring) or path. */
export function findCamera(cameras: Camera[], wanted: string): Camera | undefined {
  const w = wanted.toLowerCase();
  return cameras.find((c) => c.path === wanted) ?? cameras.find((c) => c.name.toLowerCase() === w) ?? cameras.find((c) => c.name.toLowerCase().includes(w));
}

/** Find a sound card by id or name (case-insensitive substring). */
export function findSoundCard(cards: SoundCard[], wanted: string): SoundCard | undefined {
  const w = wanted.toLowerCase();
  return cards.find((c) => c.id.toLowerCase() === w) ?? cards.find((c) => c.name.toLowerCase() === w) ?? cards.find((c) => c.name.toLowerCase().includes(w) || c.id.toLowerCase().includes(w));
}
