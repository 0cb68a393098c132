import { describe, expect, test } from "bun:test";
import { bitrateAt } from "../../bench/suites/h264.ts";
import { BAND_HEIGHT, barcodeFilters, readBarcode } from "../../bench/suites/barcode.ts";
import { parseBenchArgs } from "../../bench/core/main.ts";
import { formatResults } from "../../bench/core/report.ts";
import { percentile, slope, summarise, verdict } from "../../bench/core/stats.ts";

describe("bench statistics (pure)", () => {
  test.each([
    [[5, 1, 3], 50, 3],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[7], 99, 7],
  ])("percentile(%j, %d) = %d", (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test("empty and non-finite values", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarise([Number.NaN, 2, 4, 3])).toEqual({ median: 3, min: 2, max: 4 });
  });

  test.each([
    [40, { op: "<=", value: 50 }, { met: true }],
    [60, { op: "<=", value: 50 }, { met: false, by: 10 }],
    [4000, { op: ">=", value: 5000 }, { met: false, by: 1000 }],
    [Number.NaN, { op: "<=", value: 50 }, { met: false }],
  ] as const)("verdict(%d, %j)", (median, target, expected) => {
    expect(verdict(median, target)).toEqual(expected);
  });

  test("slope", () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([1], [1])).toBeNaN();
  });

  test("table shows the miss and the side-by-side ratio", () => {
    const text = formatResults([
      { name: "x", description: "", seconds: 1, result: { metrics: [{ id: "C2", name: "cpu", unit: "%", values: [60, 70, 65], target: { op: "<=", value: 50 }, reference: { name: "ref", values: [130] } }] } },
      { name: "y", description: "", seconds: 1, error: "boom" },
    ]);
    expect(text).toContain("NO by 15.0 % (30 %)");
    expect(text).toContain("0.50×");
    expect(text).toContain("y: FAILED");
  });
});

describe("bench arguments", () => {
  test("names and flags", () => {
    expect(parseBenchArgs(["startup", "--smoke", "--rounds", "2", "--out", "/tmp/x"])).toEqual({ names: ["startup"], smoke: true, long: false, rounds: 2, out: "/tmp/x" });
  });
  test.each([[["nosuch"]], [["--rounds", "0"]], [["--smoke", "--long"]], [["--bogus"]], [["--out"]]])("rejects %j", (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow();
  });
});

describe("latency barcode", () => {
  test("what ffmpeg's drawbox draws for frame n reads back as n", () => {
    const frames = 40;
    const out = Bun.spawnSync(
      ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `color=gray:size=640x${BAND_HEIGHT}:rate=30`, "-frames:v", String(frames), "-vf", barcodeFilters(), "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"],
      { stdout: "pipe", stderr: "pipe", timeout: 20_000 },
    );
    expect(new TextDecoder().decode(out.stderr)).toBe("");
    const bytes = new Uint8Array(out.stdout);
    const size = 640 * BAND_HEIGHT;
    expect(bytes.length).toBe(frames * size);
    const read = Array.from({ length: frames }, (_, n) => readBarcode((x, y) => bytes[n * size + y * 640 + x] as number));
    expect(read).toEqual(Array.from({ length: frames }, (_, n) => n));
  });

  test("a picture without two disagreeing rows is rejected", () => {
    expect(readBarcode(() => 0)).toBe(-1);
    expect(readBarcode(() => 255)).toBe(-1);
  });
});

describe("wrapped bench output", () => {
  test("bench/media.ts per-round lines", async () => {
    const { parseEncoderLine } = await import("../../bench/suites/encoder.ts");
    expect(parseEncoderLine("round 2  ours, stdout                     hold p50    2.2 ms  p99   16.6 ms  (90/90 pictures)  video CPU 5.0 %  audio CPU 0.5 %")).toEqual({
      round: 2,
      variant: "ours, stdout",
      p50: 2.2,
      p99: 16.6,
      videoCpu: 5,
      audioCpu: 0.5,
    });
    expect(parseEncoderLine("round 1  ffmpeg POSTs directly → relay    hold p50    3.5 ms  p99   70.5 ms  (90/90 pictures)")?.videoCpu).toBeUndefined();
    expect(parseEncoderLine("round 1  ffmpeg defaults, stdout          hold p50   68.6 ms  p99   74.1 ms  (239/240 pictures)  video CPU 4.4 %")?.videoCpu).toBe(4.4);
    expect(parseEncoderLine("ratio ours/defaults p99: 0.23")).toBeUndefined();
  });

  test("tab-separated sample rows", async () => {
    const { numericRows } = await import("../../bench/suites/wrapped.ts");
    expect(numericRows(["t_s\trss_mb\tcommands", "5\t47.5\t100", "summary: x", "10\t48\t200"])).toEqual([
      [5, 47.5, 100],
      [10, 48, 200],
    ]);
  });
});

describe("relay benchmark helpers", () => {
  test("kernel bytes of one loopback connection: relay's send queue + viewer's receive queue", async () => {
    const { kernelQueuedBytes } = await import("../../bench/suites/relay-targets.ts");
    const table = [
      { local: 8080, remote: 5555, tx: 100, rx: 7 },
      { local: 5555, remote: 8080, tx: 3, rx: 50 },
      { local: 8080, remote: 6666, tx: 999, rx: 0 },
    ];
    expect(kernelQueuedBytes(8080, 5555, table)).toBe(150);
    expect(kernelQueuedBytes(8080, 7777, table)).toBe(0);
  });
});

describe("h264 benchmark: bitrate at equal SSIM (pure)", () => {
  const ladder = [
    { kbps: 100, ssim: 0.9 },
    { kbps: 400, ssim: 0.96 },
    { kbps: 200, ssim: 0.94 },
  ];
  const cases: [string, number, number][] = [
    ["on a ladder point", 0.94, 200],
    ["halfway between two points, on a log scale", 0.95, Math.sqrt(200 * 400)],
    ["below the ladder", 0.8, Number.NaN],
    ["above the ladder", 0.99, Number.NaN],
  ];
  for (const [name, target, kbps] of cases) {
    test(name, () => {
      if (Number.isNaN(kbps)) expect(bitrateAt(ladder, target)).toBeNaN();
      else expect(bitrateAt(ladder, target)).toBeCloseTo(kbps, 6);
    });
  }
});
