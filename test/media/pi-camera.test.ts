import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { findOnPath, hasPiCamera, listCameras, PI_CAMERA_APPS, scanDevices } from "../../lib/media/devices.ts";
import { videoInput, videoSourceKind } from "../../lib/media/sources.ts";
import { programDir } from "../helpers/programs.ts";

const fixtures = join(import.meta.dir, "fixtures");

describe("the Raspberry Pi camera", () => {
  test("found by its CSI receiver's video node: unicam (Pi 4) and rp1-cfe (Pi 5); not on a PC", () => {
    expect(hasPiCamera(join(fixtures, "pi4/sys"))).toBe(true);
    expect(hasPiCamera(join(fixtures, "pi5/sys"))).toBe(true);
    expect(hasPiCamera(join(fixtures, "sys"))).toBe(false);
    expect(hasPiCamera(join(fixtures, "nowhere"))).toBe(false);
  });

  test("the CSI receiver's nodes are the Pi camera, not v4l2 cameras; a USB camera beside them is listed", () => {
    const names = (tree: string) => listCameras(join(fixtures, tree, "sys")).map((c) => c.name);
    expect(names("pi4").filter((n) => n.startsWith("unicam"))).toEqual([]);
    expect(names("pi5").filter((n) => n.startsWith("rp1-cfe"))).toEqual([]);
    expect(names("pi5")).toContain("USB 2.0 Camera: HD USB Camera");
  });

  test("rpicam-vid when it is on PATH, libcamera-vid otherwise, nothing when neither is (or is not executable)", () => {
    const both = programDir({ "rpicam-vid": "exit 0", "libcamera-vid": "exit 0" });
    const old = programDir({ "libcamera-vid": "exit 0" });
    const notExecutable = mkdtempSync(join(tmpdir(), "letsrobot-bin-"));
    writeFileSync(join(notExecutable, "rpicam-vid"), "");
    expect(findOnPath(PI_CAMERA_APPS, [old, both].join(delimiter))).toBe("rpicam-vid");
    expect(findOnPath(PI_CAMERA_APPS, old)).toBe("libcamera-vid");
    expect(findOnPath(PI_CAMERA_APPS, notExecutable)).toBeUndefined();
    expect(findOnPath(PI_CAMERA_APPS, "")).toBeUndefined();
  });

  test("video.source = auto streams the Pi camera when one is connected, through the program found", () => {
    const pi = scanDevices({ LETSROBOT_SYS_ROOT: join(fixtures, "pi4/sys"), PATH: programDir({ "libcamera-vid": "exit 0" }) });
    const input = videoInput(defaults().video, pi);
    expect(input.kind).toBe("libcamera");
    expect(input.feeder?.[0]).toBe("libcamera-vid");
    expect(input.label).toBe("Raspberry Pi camera (libcamera-vid)");
    expect(videoInput(defaults().video, { ...pi, piCameraApp: "rpicam-vid" }).feeder?.[0]).toBe("rpicam-vid");
    const pc = scanDevices({ LETSROBOT_SYS_ROOT: join(fixtures, "sys"), PATH: "" });
    expect(videoInput(defaults().video, pc).kind).toBe("test");
    expect(videoSourceKind({ ...defaults().video, device: "HD USB" }, pi)).toBe("v4l2"); // a named camera wins
  });
});
