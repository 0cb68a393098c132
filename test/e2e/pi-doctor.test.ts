import { describe, expect, test } from "bun:test";
import { delimiter, join } from "node:path";
import fc from "fast-check";
import { decodeThrottled, listedCameras } from "../../lib/doctor/pi.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";
import { programDir } from "../helpers/programs.ts";

const pi4 = join(import.meta.dir, "../media/fixtures/pi4/sys");
const LIST = `Available cameras
-----------------
0 : imx708 [4608x2592 10-bit RGGB] (/base/soc/i2c0mux/i2c@1/imx708@1a)
    Modes: 'SRGGB10_CSI2P' : 1536x864 [120.13 fps - (768, 432)/3072x1728 crop]
`;

type Check = { id: string; status: string; detail: string; hint?: string };
async function doctor(programs: Record<string, string>, sysRoot?: string): Promise<{ code: number; checks: Record<string, Check> }> {
  const path = [programDir(programs), process.env.PATH ?? ""].join(delimiter);
  const { code, stdout } = await runCli(["doctor", "--json"], { env: cleanEnv({ PATH: path, ...(sysRoot ? { LETSROBOT_SYS_ROOT: sysRoot } : {}) }) });
  const checks = Object.fromEntries((JSON.parse(stdout).checks as Check[]).map((c) => [c.id, c]));
  return { code, checks };
}

describe("vcgencmd get_throttled", () => {
  test("bits 0-3 now, 16-19 since boot", () => {
    expect(decodeThrottled("throttled=0x0")).toEqual({ now: [], sinceBoot: [] });
    expect(decodeThrottled("throttled=0x50005\n")).toEqual({ now: ["under-voltage", "throttled"], sinceBoot: ["under-voltage", "throttled"] });
    expect(decodeThrottled("throttled=0x80000")).toEqual({ now: [], sinceBoot: ["soft temperature limit"] });
    expect(decodeThrottled("VCHI initialization failed")).toBeUndefined();
  });

  test("any 32-bit value decodes to exactly its set bits; any text never throws", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (bits) => {
        const state = decodeThrottled(`throttled=0x${bits.toString(16)}`);
        expect(state?.now.length).toBe([0, 1, 2, 3].filter((b) => (bits >>> b) & 1).length);
        expect(state?.sinceBoot.length).toBe([16, 17, 18, 19].filter((b) => (bits >>> b) & 1).length);
      }),
    );
    fc.assert(fc.property(fc.string(), (text) => void decodeThrottled(text)));
    fc.assert(fc.property(fc.string(), (text) => void listedCameras(text)));
  });
});

describe("doctor on a Raspberry Pi (stand-in vcgencmd and rpicam-vid on PATH)", () => {
  test("under-voltage now is a warning with a power-supply hint; none since boot passes; no vcgencmd skips", async () => {
    const low = await doctor({ vcgencmd: 'echo "throttled=0x50005"' });
    expect(low.checks.power).toMatchObject({ status: "warn", detail: "now: under-voltage, throttled" });
    expect(low.checks.power?.hint).toContain("supply");
    const past = await doctor({ vcgencmd: 'echo "throttled=0x10000"' });
    expect(past.checks.power).toMatchObject({ status: "warn", detail: "since boot: under-voltage (not now)" });
    expect((await doctor({ vcgencmd: 'echo "throttled=0x0"' })).checks.power?.status).toBe("pass");
    expect((await doctor({})).checks.power).toMatchObject({ status: "skip", detail: "no vcgencmd: not a Raspberry Pi" });
  }, 30_000);

  test("a connected Pi camera is checked with rpicam-vid --list-cameras (libcamera-vid when that is all there is)", async () => {
    const ok = await doctor({ "rpicam-vid": `[ "$1" = --list-cameras ] && printf '%s' '${LIST}'` }, pi4);
    expect(ok.checks.camera).toMatchObject({ status: "pass", detail: "Raspberry Pi camera imx708 (read with rpicam-vid)" });
    const old = await doctor({ "libcamera-vid": `printf '%s' '${LIST}'` }, pi4);
    expect(old.checks.camera?.detail).toContain("read with libcamera-vid");
  }, 30_000);

  test("a Pi camera the program cannot see, or no program at all, fails (exit 3) with a fix", async () => {
    const unseen = await doctor({ "rpicam-vid": 'echo "No cameras available!"' }, pi4);
    expect(unseen.code).toBe(3);
    expect(unseen.checks.camera).toMatchObject({ status: "fail", detail: "rpicam-vid sees no camera: No cameras available!" });
    expect(unseen.checks.camera?.hint).toContain("ribbon cable");
    const none = await doctor({}, pi4);
    expect(none.code).toBe(3);
    expect(none.checks.camera?.hint).toBe("sudo apt install rpicam-apps");
  }, 30_000);
});
