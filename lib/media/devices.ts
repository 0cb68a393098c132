import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

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

/** /sys/class/video4linux/videoN/name → cameras; only capture nodes (index 0) are listed. */
export function listCameras(sysRoot = "/sys", devRoot = "/dev"): Camera[] {
  const dir = join(sysRoot, "class/video4linux");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((entry) => /^video\d+$/.test(entry))
    .filter((entry) => (read(join(dir, entry, "index")) ?? "0") === "0")
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((entry) => ({ name: read(join(dir, entry, "name")) ?? entry, path: join(devRoot, entry) }));
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
