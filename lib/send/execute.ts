import { sleep } from "../net/backoff.ts";
import type { SendResult } from "./viewer.ts";
import type { Step } from "./steps.ts";

/** Anything that can carry a command or chat step: a viewer socket, or the local hardware. */
export interface StepSink {
  send(step: Exclude<Step, { kind: "wait" }>, index: number): Promise<SendResult>;
  /**
   * Say again that `command` is still held (its `down`, not reported), so the robot's dead-man keeps it
   * moving. Absent when nothing times out a hold (the local hardware). Rejects when the server refuses it.
   */
  refresh?(command: string): Promise<void>;
}

/** How often a held command is refreshed: well inside the robot's dead-man (behaviour.deadman_ms, 500 ms). */
export const HOLD_REFRESH_MS = 150;

/**
 * Wait `ms` while `command` is held, refreshing it every HOLD_REFRESH_MS. A refusal of a refresh ends the
 * wait with that error (the refreshes are not awaited one by one, so a slow ack does not delay the next).
 */
async function waitHolding(ms: number, command: string, refresh: (command: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const start = performance.now();
  const until = (at: number) => sleep(Math.max(0, at - performance.now()), signal).catch(() => undefined);
  let failure: unknown;
  for (let next = start + HOLD_REFRESH_MS; next < start + ms; next += HOLD_REFRESH_MS) {
    await until(next);
    if (failure !== undefined) throw failure;
    if (signal?.aborted) return;
    refresh(command).catch((error: unknown) => {
      failure ??= error;
    });
  }
  await until(start + ms);
  if (failure !== undefined) throw failure;
}

/**
 * Run the steps in order, waiting where told; each result is reported as soon as it is known. While a
 * command is down (`hold F 500`, `--hold`), waits refresh it. A failing step stops the run: its error (with
 * the partial result attached) is rethrown; a command still held then (failure, Ctrl-C) is released first.
 */
export async function executeSteps(steps: Step[], sink: StepSink, report: (result: SendResult) => void, signal?: AbortSignal): Promise<SendResult[]> {
  const results: SendResult[] = [];
  let held: string | undefined;
  try {
    for (const [index, step] of steps.entries()) {
      if (signal?.aborted) break;
      if (step.kind === "wait") {
        if (held !== undefined && sink.refresh) await waitHolding(step.ms, held, sink.refresh.bind(sink), signal);
        else await sleep(step.ms, signal).catch(() => undefined);
        continue;
      }
      if (step.kind === "command") held = step.keyPosition === "down" ? step.command : step.keyPosition === "up" ? undefined : held;
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
  } finally {
    if (held !== undefined) await sink.send({ kind: "command", command: held, keyPosition: "up" }, steps.length).catch(() => undefined);
  }
  return results;
}

/** One human-readable line per result. */
export function describeResult(result: SendResult): string {
  const what = result.kind === "command" ? `${result.command}${result.key_position ? ` (${result.key_position})` : ""}` : result.kind === "click" ? `click ${result.data}` : `chat "${result.text}"`;
  if (result.error) return `${what}: refused (${result.error})`;
  return `${what}: ${result.ack ? "acknowledged" : "sent"}${result.latency_ms !== undefined ? ` in ${result.latency_ms} ms` : ""}`;
}
