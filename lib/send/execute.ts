import { sleep } from "../net/backoff.ts";
import type { SendResult } from "./viewer.ts";
import type { Step } from "./steps.ts";

/** Anything that can carry a command or chat step: a viewer socket, or the local hardware. */
export interface StepSink {
  send(step: Exclude<Step, { kind: "wait" }>, index: number): Promise<SendResult>;
}

/**
 * Run the steps in order, waiting where told; each result is reported as soon as it is known.
 * A failing step stops the run: its error (with the partial result attached) is rethrown.
 */
export async function executeSteps(steps: Step[], sink: StepSink, report: (result: SendResult) => void, signal?: AbortSignal): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const [index, step] of steps.entries()) {
    if (signal?.aborted) break;
    if (step.kind === "wait") {
      await sleep(step.ms, signal).catch(() => undefined);
      continue;
    }
    try {
      const result = await sink.send(step, index);
      results.push(result);
      report(result);
    } catch (error) {
      const partial = (error as { result?: SendResult }).result;
      if (partial) report(partial);
      throw error;
    }
  }
  return results;
}

/** One human-readable line per result. */
export function describeResult(result: SendResult): string {
  const what = result.kind === "command" ? `${result.command}${result.key_position ? ` (${result.key_position})` : ""}` : `chat "${result.text}"`;
  if (result.error) return `${what}: refused (${result.error})`;
  return `${what}: ${result.ack ? "acknowledged" : "sent"}${result.latency_ms !== undefined ? ` in ${result.latency_ms} ms` : ""}`;
}
