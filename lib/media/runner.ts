import type { Attempt } from "./ingest.ts";
import type { FfmpegPlan, MediaKind } from "./plan.ts";
import type { Delivery } from "./upload.ts";
import type { Progress } from "./progress.ts";
import type { StreamStatus } from "./status.ts";

/** One supervised stream's state (see supervisor.ts), its status, and the relay stall rule. */
export interface Runner {
  kind: MediaKind;
  plan: FfmpegPlan;
  attempt?: Attempt;
  startedAt: number;
  lastProgressAt: number;
  progressed: boolean;
  stalled: boolean;
  /** Bytes the relay had acknowledged at lastAckAt. */
  acked: number;
  lastAckAt: number;
  last?: Progress;
  restarts: number;
  failures: number;
  bytes: number;
  lastError?: string;
  loop?: Promise<void>;
  /** Broadcast plans only: the relay upload is lost while ffmpeg runs on for the broadcast. */
  relayDown: boolean;
  relayFailures: number;
  relaySince: number;
}

export function newRunner(plan: FfmpegPlan): Runner {
  return { kind: plan.kind, plan, startedAt: 0, lastProgressAt: 0, progressed: false, stalled: false, acked: 0, lastAckAt: 0, restarts: 0, failures: 0, bytes: 0, relayDown: false, relayFailures: 0, relaySince: 0 };
}

/** Truthful: running only while an ffmpeg exists, made progress within the stall window, and reaches the relay. */
export function runnerStatus(runner: Runner | undefined, stallMs: number): StreamStatus {
  if (!runner) return { running: false, restarts: 0, disabled: true };
  const alive = runner.attempt !== undefined && !runner.relayDown && runner.progressed && performance.now() - runner.lastProgressAt <= stallMs;
  const p = alive ? runner.last : undefined;
  return { running: alive, fps: p?.fps, kbps: p?.kbps, frames: p?.frames, speed: p?.speed, restarts: runner.restarts, lastError: runner.lastError, pid: runner.attempt?.pid, bytes: runner.bytes };
}

/**
 * A relay that acknowledges nothing while data waits (network gone, relay frozen) is a stall too: its reason.
 * Nothing acknowledged for `stallMs` is a stall; so is a shut receive window (the relay's kernel buffer full:
 * the relay stopped reading) with nothing acknowledged for a tenth of that, since a relay that reads, however
 * slowly, opens its window again within moments. The buffer takes a few seconds of video to fill, and during
 * those seconds everything is still acknowledged, so waiting the whole `stallMs` after it would be too late.
 */
export function relayStall(runner: Runner, delivery: Delivery, now: number, stallMs: number, url: string): string | undefined {
  if (delivery.acked === undefined) return undefined;
  if (delivery.acked > runner.acked) {
    runner.acked = delivery.acked;
    runner.lastAckAt = now;
    return undefined;
  }
  const quiet = now - runner.lastAckAt;
  if ((delivery.queued ?? 0) === 0 || quiet <= (delivery.windowShut ? stallMs / 10 : stallMs)) return undefined;
  const where = new URL(url);
  const why = delivery.windowShut ? "its receive window is shut: relay frozen or not reading" : "network down or relay frozen";
  return `the relay at ${where.hostname}:${where.port || 80} took nothing for ${(quiet / 1000).toFixed(1)} s (${delivery.queued} bytes waiting): ${why}`;
}
