/**
 * The data every benchmark returns. A suite measures several rounds and reports, per metric, one value
 * per round; the runner summarises (median/min/max) and compares with the goal in docs/performance.md.
 */
type Comparison = "<=" | ">=";

export interface Target {
  op: Comparison;
  value: number;
}

export interface Metric {
  /** The metric's id in docs/performance.md (L1, C2, …) or an id of our own for context rows (L1-ffmpeg). */
  id: string;
  /** What was measured, e.g. "glass-to-glass p95 (Chromium)". */
  name: string;
  unit: string;
  /** One value per round. */
  values: number[];
  target?: Target;
  /** The same quantity for a reference implementation, measured side by side in the same run. */
  reference?: { name: string; values: number[] };
  /** A goal for our median ÷ the reference's median (e.g. ≤ 1.5× a compiled hello world). */
  ratioGoal?: Target;
  note?: string;
}

export interface SuiteResult {
  metrics: Metric[];
  /** Free-form facts worth keeping (counts, configuration, per-round details). */
  details?: Record<string, unknown>;
  notes?: string[];
}

export interface BenchOptions {
  /** Tiny durations (a few seconds): for the smoke test. */
  smoke: boolean;
  /** Long durations (the goals' conditions: 10-minute drift, 1-hour soak). */
  long: boolean;
  /** Rounds per benchmark (each suite has its own default). */
  rounds?: number;
  /** Seconds per round where a suite runs for a time (overrides its default). */
  seconds?: number;
  /** The compiled letsrobot (or a command that runs the CLI from source). */
  cli: string[];
  /** Repository root (node_modules, bench files of the other engineers). */
  root: string;
  chromium: string;
  log: (line: string) => void;
}

export interface Suite {
  name: string;
  /** One line for --help and the table heading. */
  description: string;
  run(options: BenchOptions): Promise<SuiteResult>;
}
