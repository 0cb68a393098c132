import type { Metric, Target } from "./types.ts";

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
}

export function summarise(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: percentile(finite, 50), min: Math.min(...finite), max: Math.max(...finite) };
}

export type Verdict = { met: boolean; by?: number } | undefined;

/** Is the median within the target? `by` is how far past it (in the metric's unit) when not. */
export function verdict(median: number, target: Target | undefined): Verdict {
  if (!target) return undefined;
  if (!Number.isFinite(median)) return { met: false };
  const met = target.op === "<=" ? median <= target.value : median >= target.value;
  return met ? { met } : { met, by: Math.abs(median - target.value) };
}

export function metricSummary(metric: Metric) {
  const own = summarise(metric.values);
  const reference = metric.reference ? summarise(metric.reference.values) : undefined;
  const ratio = reference && reference.median !== 0 ? own.median / reference.median : undefined;
  return { ...own, verdict: verdict(own.median, metric.target), reference, ratio };
}

/** Least-squares slope of y over x (units of y per unit of x); NaN with fewer than 2 points. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] as number;
    sy += ys[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    num += dx * ((ys[i] as number) - my);
    den += dx * dx;
  }
  return den === 0 ? Number.NaN : num / den;
}
