import { formatTable } from "../output.ts";
import type { CheckResult } from "./check.ts";

const marks = { pass: "ok", warn: "warn", fail: "FAIL", skip: "skip" } as const;

/** True when a required check failed: doctor then exits 3. */
export function hasRequiredFailure(results: CheckResult[]): boolean {
  return results.some((r) => r.required && r.status === "fail");
}

/** The machine-readable report: only the public fields, in order. */
export function reportJson(results: CheckResult[]) {
  return {
    ok: !hasRequiredFailure(results),
    checks: results.map(({ id, title, status, detail, hint, required }) => ({ id, title, status, required, detail, ...(hint ? { hint } : {}) })),
  };
}

export function reportText(results: CheckResult[], columns?: number): string {
  const rows = results.map((r) => [marks[r.status], r.title, r.detail]);
  const hints = results.filter((r) => (r.status === "fail" || r.status === "warn") && r.hint).map((r) => `  ${r.title}: ${r.hint}`);
  const counts = (["pass", "warn", "fail", "skip"] as const).map((s) => `${results.filter((r) => r.status === s).length} ${s}`).join(", ");
  const verdict = hasRequiredFailure(results) ? "a required check failed" : "ready";
  return [formatTable(["", "check", "result"], rows, columns), ...(hints.length ? ["", "What to do:", ...hints] : []), "", `${counts}: ${verdict}`].join("\n");
}
