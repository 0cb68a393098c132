import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { RunRecord } from "../../bench/core/report.ts";

/**
 * The benchmark harness in --smoke mode (a few seconds per benchmark): it must finish, leave no child
 * behind, and write well-formed results. The numbers themselves are not asserted (benchmarks print numbers).
 */
const root = resolve(import.meta.dir, "../..");
const out = mkdtempSync(join(tmpdir(), "letsrobot-bench-smoke-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function smoke(names: string[]): Promise<{ code: number; stdout: string; record: RunRecord }> {
  const dir = join(out, names.join("+"));
  const child = Bun.spawn(["bun", join(root, "bench/run.ts"), ...names, "--smoke", "--out", dir], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(timer);
  if (code !== 0) console.error(stderr.slice(-3000));
  const files = readdirSync(dir);
  expect(files).toContain("latest.json");
  expect(files.filter((f) => /^\d{4}-\d\d-\d\dT\d{6}Z-.+\.json$/.test(f))).toHaveLength(1);
  const record = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as RunRecord;
  return { code, stdout, record };
}

function expectWellFormed(record: RunRecord, names: string[]) {
  expect(record.mode).toBe("smoke");
  expect(record.machine.cores).toBeGreaterThan(0);
  expect(record.machine.bun).toBe(Bun.version);
  expect(record.benches.map((b) => b.name)).toEqual(names);
  for (const bench of record.benches) {
    expect(bench.error).toBeUndefined();
    expect(bench.result?.metrics.length).toBeGreaterThan(0);
    for (const metric of bench.result?.metrics ?? []) {
      expect(metric.id).toMatch(/^[A-Z]\d/);
      expect(metric.values.length).toBeGreaterThan(0);
      expect(metric.values.some((v) => typeof v === "number" && Number.isFinite(v))).toBe(true);
    }
  }
}

describe("bench --smoke", () => {
  test("startup: table on stdout, results JSON with the machine description", async () => {
    const { code, stdout, record } = await smoke(["startup"]);
    expect(code).toBe(0);
    expect(stdout).toContain("S1");
    expect(stdout).toMatch(/met\?/);
    expectWellFormed(record, ["startup"]);
  }, 60_000);

  test("throughput and reconnect: servers, sockets and a robot process come and go, numbers in the JSON", async () => {
    const { code, record } = await smoke(["throughput", "reconnect"]);
    expect(code).toBe(0);
    expectWellFormed(record, ["throughput", "reconnect"]);
    const c3 = record.benches[0]?.result?.metrics.find((m) => m.id === "C3" && m.reference);
    expect(c3?.reference?.values.length).toBeGreaterThan(0);
  }, 90_000);

  test("handler: our command handlers and a bare forward, warm and cold, both measured", async () => {
    const { code, record } = await smoke(["handler"]);
    expect(code).toBe(0);
    expectWellFormed(record, ["handler"]);
    const rows = record.benches[0]?.result?.metrics ?? [];
    expect(rows.map((m) => m.name)).toEqual(["one command through our handlers, warm", "one command through our handlers, cold cache"]);
    for (const row of rows) expect(row.reference?.values[0]).toBeGreaterThan(0);
  }, 60_000);

  test("cluster: two serve processes on a real redis-server beside one, every command delivered", async () => {
    const { code, record } = await smoke(["cluster"]);
    expect(code).toBe(0);
    expectWellFormed(record, ["cluster"]);
    const lost = record.benches[0]?.result?.metrics.find((m) => m.name.startsWith("commands lost"));
    expect(lost?.values).toEqual([0]);
  }, 90_000);

  test("h264: MPEG-1 and H.264 side by side, every player reads barcodes back", async () => {
    const { code, record } = await smoke(["h264"]);
    expect(code).toBe(0);
    expectWellFormed(record, ["h264"]);
    const latency = record.benches[0]?.result?.metrics.filter((m) => m.id === "V4") ?? [];
    expect(latency.map((m) => m.name.replace(/ H\.264 \d+k/, ""))).toEqual([
      "glass-to-glass p50, WebCodecs",
      "glass-to-glass p95, WebCodecs",
      "glass-to-glass p50, MSE (plain http)",
      "glass-to-glass p95, MSE (plain http)",
    ]);
    for (const metric of latency) expect(Number.isFinite(metric.values[0]) && Number.isFinite(metric.reference?.values[0])).toBe(true);
  }, 100_000);
});
