import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatTable } from "../../lib/output.ts";
import type { Machine } from "./machine.ts";
import { metricSummary, verdict } from "./stats.ts";
import type { Metric, SuiteResult } from "./types.ts";

/** One benchmark's outcome as stored in the JSON results. */
export interface BenchRecord {
  name: string;
  description: string;
  seconds: number;
  /** 1-minute load average when it started and ended (a busy machine inflates tails first). */
  load?: [number, number];
  error?: string;
  result?: SuiteResult;
}

export interface RunRecord {
  started: string;
  seconds: number;
  mode: "smoke" | "default" | "long";
  machine: Machine;
  benches: BenchRecord[];
}

const num = (v: number | undefined, unit = "") => {
  if (v === undefined || !Number.isFinite(v)) return "-";
  const abs = Math.abs(v);
  const text = abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
  return unit ? `${text} ${unit}` : text;
};

function targetText(metric: Metric): string {
  return metric.target ? `${metric.target.op === "<=" ? "≤" : "≥"} ${num(metric.target.value, metric.unit)}` : "";
}

function metText(metric: Metric): string {
  const s = metricSummary(metric);
  if (!s.verdict) return "";
  if (s.verdict.met) return "yes";
  if (s.verdict.by === undefined) return "NO (no data)";
  const target = metric.target?.value ?? 0;
  const pct = target !== 0 ? ` (${((s.verdict.by / Math.abs(target)) * 100).toFixed(0)} %)` : "";
  return `NO by ${num(s.verdict.by, metric.unit)}${pct}`;
}

/** The ratio goal and whether the ratio meets it: "≤ 1.50× yes". */
function ratioGoalText(metric: Metric, ratio: number | undefined): string {
  if (!metric.ratioGoal) return "";
  const v = verdict(ratio ?? Number.NaN, metric.ratioGoal);
  return `${metric.ratioGoal.op === "<=" ? "≤" : "≥"} ${metric.ratioGoal.value.toFixed(2)}× ${v?.met ? "yes" : "NO"}`;
}

/** The summary table: one row per metric with target, median/min/max, verdict and the reference side by side. */
export function formatResults(benches: readonly BenchRecord[]): string {
  const rows: string[][] = [];
  for (const bench of benches) {
    if (bench.error) {
      rows.push(["", `${bench.name}: FAILED`, "", "", "", "", bench.error.slice(0, 100), "", ""]);
      continue;
    }
    for (const metric of bench.result?.metrics ?? []) {
      const s = metricSummary(metric);
      rows.push([
        metric.id,
        metric.name,
        targetText(metric),
        num(s.median, metric.unit),
        `${num(s.min)} – ${num(s.max)}`,
        String(metric.values.filter(Number.isFinite).length),
        metText(metric),
        metric.reference ? `${metric.reference.name}: ${num(s.reference?.median, metric.unit)}` : "",
        s.ratio !== undefined && Number.isFinite(s.ratio) ? `${s.ratio.toFixed(2)}×` : "",
        ratioGoalText(metric, s.ratio),
      ]);
    }
  }
  return formatTable(["id", "metric", "target", "median", "min – max", "n", "met?", "reference (median, same run)", "ours/ref", "ratio goal"], rows);
}

/** Notes of every bench, prefixed with its name. */
export function formatNotes(benches: readonly BenchRecord[]): string[] {
  return benches.flatMap((b) => (b.result?.notes ?? []).map((n) => `${b.name}: ${n}`));
}

/** Write bench/results/<date>-<name>.json and bench/results/latest.json; returns the dated path. */
export function writeResults(dir: string, record: RunRecord, name: string): string {
  mkdirSync(dir, { recursive: true });
  const stamp = record.started.replace(/[:]/g, "").replace(/\.\d+Z$/, "Z");
  const path = join(dir, `${stamp}-${name}.json`);
  const text = `${JSON.stringify(record, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
  writeFileSync(path, text);
  writeFileSync(join(dir, "latest.json"), text);
  return path;
}
