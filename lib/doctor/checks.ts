import type { Check, CheckResult, DoctorContext, Outcome } from "./check.ts";
import { machineChecks } from "./machine-checks.ts";
import { platformChecks } from "./platform-checks.ts";

/** Every check of `letsrobot doctor`, in the order the report lists them. */
export const checks: Check[] = [...platformChecks, ...machineChecks];

/** Run every check, in order, and return every result; nothing here decides the exit code. */
export async function runChecks(ctx: DoctorContext, list: Check[] = checks): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of list) {
    let outcomes: Outcome[];
    if (check.needsConfig && !ctx.config) {
      // not "no platform.server" or "tts disabled": the settings are unknown until the config is fixed
      results.push({ status: "skip", detail: "config invalid (see the config check)", id: check.id, title: check.title, required: check.required });
      continue;
    }
    try {
      const outcome = await check.run(ctx, results);
      outcomes = Array.isArray(outcome) ? outcome : [outcome];
    } catch (error) {
      outcomes = [{ status: "fail", detail: (error as Error).message, hint: (error as { hint?: string }).hint }];
    }
    for (const [i, o] of outcomes.entries()) {
      const id = o.key ? `${check.id}.${o.key}` : outcomes.length > 1 ? `${check.id}.${i}` : check.id;
      const title = o.key ? `${check.title}: ${o.key}` : check.title;
      results.push({ ...o, id, title, required: o.required ?? check.required });
    }
  }
  return results;
}
