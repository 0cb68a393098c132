import type { KnownDevices } from "../media/devices.ts";
import type { RunProcess } from "../process/run.ts";

/** A check's outcome as the doctor's runner takes it (see checks.ts). */
export interface PiOutcome {
  status: "pass" | "warn" | "fail" | "skip";
  detail: string;
  hint?: string;
  required?: boolean;
}

/** `vcgencmd get_throttled` bits: 0-3 are true now, 16-19 happened since boot. */
const THROTTLE_BITS: [number, string][] = [
  [0, "under-voltage"],
  [1, "CPU frequency capped"],
  [2, "throttled"],
  [3, "soft temperature limit"],
];

/** `throttled=0x50005` → what is happening now and what happened since boot (pure; undefined if unreadable). */
export function decodeThrottled(text: string): { now: string[]; sinceBoot: string[] } | undefined {
  const match = /throttled=0x([0-9a-f]{1,8})\b/i.exec(text);
  if (!match) return undefined;
  const bits = Number.parseInt(match[1] ?? "0", 16);
  const set = (bit: number) => Math.floor(bits / 2 ** bit) % 2 === 1;
  return {
    now: THROTTLE_BITS.filter(([bit]) => set(bit)).map(([, name]) => name),
    sinceBoot: THROTTLE_BITS.filter(([bit]) => set(bit + 16)).map(([, name]) => name),
  };
}

function powerHint(problems: string[]): string {
  const hints: string[] = [];
  if (problems.includes("under-voltage")) {
    hints.push("use the official 5.1 V supply (3 A for a Pi 4, 5 A for a Pi 5) with a short cable, and give the motors their own battery");
  }
  if (problems.includes("soft temperature limit") || problems.includes("throttled")) hints.push("cool the Pi: a heatsink or fan, and air around it");
  return hints.join("; ") || "check the power supply and cooling";
}

/** Under-voltage and throttling from the Pi firmware; skipped where there is no vcgencmd (not a Pi). */
export async function powerOutcome(runProcess: RunProcess): Promise<PiOutcome> {
  const result = await runProcess("vcgencmd", ["get_throttled"], { timeoutMs: 5000 });
  if (result.missing) return { status: "skip", detail: "no vcgencmd: not a Raspberry Pi" };
  const state = decodeThrottled(result.stdout);
  if (!state || result.code !== 0) {
    const said = `${result.stdout}${result.stderr}`.trim().split("\n").pop() || `exit code ${result.code}`;
    return { status: "warn", detail: `vcgencmd get_throttled did not answer: ${said}`, hint: "run it by hand; the user may need to be in the video group" };
  }
  if (state.now.length > 0) return { status: "warn", detail: `now: ${state.now.join(", ")}`, hint: powerHint(state.now) };
  if (state.sinceBoot.length > 0) return { status: "warn", detail: `since boot: ${state.sinceBoot.join(", ")} (not now)`, hint: powerHint(state.sinceBoot) };
  return { status: "pass", detail: "no under-voltage or throttling since boot" };
}

/** Sensor names from `rpicam-vid --list-cameras` ("0 : imx219 [3280x2464 …] (/base/…)"). */
export function listedCameras(text: string): string[] {
  return [...text.matchAll(/^\s*\d+\s*:\s*(\S+)/gm)].map((m) => m[1] ?? "");
}

/** The Pi camera: its program is installed and libcamera sees a sensor (a required check: it is the video source). */
export async function piCameraOutcome(devices: KnownDevices, runProcess: RunProcess): Promise<PiOutcome> {
  const app = devices.piCameraApp;
  if (!app) {
    return { status: "fail", required: true, detail: "the video source is the Raspberry Pi camera, but neither rpicam-vid nor libcamera-vid is installed", hint: "sudo apt install rpicam-apps" };
  }
  const listed = await runProcess(app, ["--list-cameras"], { timeoutMs: 10000 });
  const sensors = listedCameras(listed.stdout);
  if (sensors.length === 0) {
    const said = `${listed.stdout}${listed.stderr}`.trim().split("\n").pop() || "no cameras listed";
    return {
      status: "fail",
      required: true,
      detail: `${app} sees no camera: ${said}`,
      hint: "check the ribbon cable at both ends, keep camera_auto_detect=1 in /boot/firmware/config.txt, then reboot",
    };
  }
  return { status: "pass", detail: `Raspberry Pi camera ${sensors.join(", ")} (read with ${app})` };
}
