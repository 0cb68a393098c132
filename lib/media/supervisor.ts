import type { Deps } from "../deps.ts";
import { redact } from "../log.ts";
import { type BackoffOptions, backoffDelay, sleep } from "../net/backoff.ts";
import { type GroupSpawner, spawnGroup } from "../process/group.ts";
import type { Broadcaster } from "./broadcast.ts";
import { startAttempt } from "./ingest.ts";
import type { Uploader } from "./upload.ts";
import { type FfmpegPlan, ingestUrl, type MediaKind, type StreamPlan, type StreamTarget } from "./plan.ts";
import { advanced } from "./progress.ts";
import { newRunner, relayStall, type Runner, runnerStatus } from "./runner.ts";
import { formatStatusLine, type StreamStatus } from "./status.ts";

/**
 * Runs the plan's ffmpeg processes and never gives up: a stalled or failed stream is killed and restarted
 * with capped exponential backoff plus jitter; after repeated failures the relay target is looked up again.
 */
export interface StreamSupervisor {
  status(): { video: StreamStatus; audio: StreamStatus };
  /** Restart one stream (or both) now, without backoff (e.g. the platform changed the resolution). */
  restart(kind?: MediaKind): void;
  /** Forward one signal to each ffmpeg, wait for them to exit (SIGKILL after a grace period). */
  stop(): Promise<void>;
}

export type SupervisorDeps = Pick<Deps, "log"> &
  Partial<Pick<Deps, "shutdown" | "interactive" | "statusLine">> & {
    /** Process-group spawner (tests inject a recording one). */
    spawn?: GroupSpawner;
    /**
     * How bytes reach the relay (upload.ts): `socketUploader` in the commands (the relay's acknowledgements
     * are watched), `fetchUploader(fetch)` or a recording fake in tests.
     */
    upload: Uploader;
    random?: () => number;
    /** Takes the broadcast FLV of plans with `flv` (see broadcast.ts); its status joins the status line. */
    broadcaster?: Broadcaster;
  };

export interface SupervisorOptions {
  /** Looked up again after `resolveAfter` consecutive failures (platform relay host and ports). */
  resolveTarget?: () => Promise<StreamTarget>;
  /**
   * No progress (or nothing acknowledged by the relay) for this long means stalled. Default 2500: progress
   * arrives every 0.5 s, so a stream that stops is caught within 3 s (R3 in docs/performance.md).
   */
  stallMs?: number;
  /** A new ffmpeg may take this long to produce its first output (cameras warming up; default 10000). */
  startupMs?: number;
  backoff?: BackoffOptions;
  /** Consecutive failures before re-resolving the target (default 3). */
  resolveAfter?: number;
  /** Plain log line period when not on a terminal (default 10000; 0: never, the caller reports status). */
  logEveryMs?: number;
}

const streamBackoff: BackoffOptions = { baseMs: 500, capMs: 5000, jitter: 0.2 };
/** A stream that ran this long without trouble starts its backoff from scratch. */
const HEALTHY_MS = 10000;


export function superviseStreams(plan: StreamPlan, deps: SupervisorDeps, options: SupervisorOptions = {}): StreamSupervisor {
  const live = deps.interactive === true && deps.statusLine !== undefined;
  const log = deps.log.withTag("stream"); // the status line writer clears and redraws around log lines
  const spawn = deps.spawn ?? spawnGroup;
  const stallMs = options.stallMs ?? 2500;
  const startupMs = Math.max(stallMs, options.startupMs ?? 10000);
  const resolveAfter = options.resolveAfter ?? 3;
  const stopping = new AbortController();
  let target: StreamTarget | undefined;
  let resolving: Promise<void> | undefined;
  const runners: Runner[] = [plan.video, plan.audio]
    .filter((p): p is FfmpegPlan => p !== undefined)
    .map(newRunner);

  const urlFor = (runner: Runner) => (target ? ingestUrl(runner.kind, target) : runner.plan.url);

  async function reresolve(): Promise<void> {
    if (!options.resolveTarget) return;
    resolving ??= options
      .resolveTarget()
      .then((next) => {
        target = next;
        log.info(`relay looked up again: ${next.relayHost} video port ${next.videoPort}, audio port ${next.audioPort}`);
      })
      .catch((error) => log.warn(`looking up the relay again failed: ${(error as Error).message}`))
      .finally(() => {
        resolving = undefined;
      });
    await resolving;
  }

  async function run(runner: Runner): Promise<void> {
    let first = true;
    while (!stopping.signal.aborted) {
      if (!first) runner.restarts += 1;
      first = false;
      runner.startedAt = runner.lastProgressAt = runner.lastAckAt = runner.relaySince = performance.now();
      runner.relayDown = false;
      runner.acked = 0;
      runner.progressed = false;
      runner.stalled = false;
      runner.last = undefined;
      try {
        runner.attempt = startAttempt(runner.plan, urlFor(runner), { spawn, upload: deps.upload }, {
          progress: (p) => {
            const producing = (p.frames ?? 0) > 0 || (p.totalSize ?? 0) > 0 || (p.outTimeUs ?? 0) > 0;
            if (producing && advanced(runner.last, p)) {
              runner.lastProgressAt = performance.now();
              runner.progressed = true;
            }
            runner.last = p;
          },
          line: (line) => log.debug(`${runner.kind} ffmpeg: ${line}`),
          bytes: (n) => {
            runner.bytes += n;
          },
          flv: runner.plan.flv ? deps.broadcaster?.feed(runner.kind) : undefined,
          relayLost: (error) => relayLost(runner, error),
        });
      } catch (error) {
        runner.attempt = undefined;
        runner.lastError = (error as Error).message;
      }
      const end = runner.attempt ? await runner.attempt.ended : { requested: false, error: runner.lastError };
      const ranMs = performance.now() - runner.startedAt;
      runner.attempt = undefined;
      if (stopping.signal.aborted) break;
      if (end.requested) {
        log.info(`${runner.kind}: restarting as asked`);
        continue;
      }
      runner.failures = ranMs >= HEALTHY_MS && runner.progressed ? 1 : runner.failures + 1;
      runner.lastError = end.error === undefined ? undefined : redact(end.error, [...plan.secrets, target?.streamKey]);
      const delay = backoffDelay(runner.failures - 1, options.backoff ?? streamBackoff, deps.random);
      log.warn(`${runner.kind}: ${runner.lastError ?? "stopped"}; restarting in ${(delay / 1000).toFixed(1)} s`);
      if (runner.failures % resolveAfter === 0) await reresolve();
      await sleep(delay, stopping.signal).catch(() => undefined);
    }
  }


  const statusOf = (kind: MediaKind) => runnerStatus(runners.find((r) => r.kind === kind), stallMs);
  const status = () => ({ video: statusOf("video"), audio: statusOf("audio") });


  /**
   * A broadcast plan lost its relay upload: ffmpeg keeps feeding the broadcast, and only the upload is
   * retried, with the same backoff (and look-ups) as a whole restart.
   */
  function relayLost(runner: Runner, error: string): void {
    const attempt = runner.attempt;
    runner.relayDown = true;
    runner.lastError = redact(error, [...plan.secrets, target?.streamKey]);
    runner.relayFailures = performance.now() - runner.relaySince >= HEALTHY_MS ? 1 : runner.relayFailures + 1;
    const delay = backoffDelay(runner.relayFailures - 1, options.backoff ?? streamBackoff, deps.random);
    log.warn(`${runner.kind}: ${runner.lastError}; sending to the relay again in ${(delay / 1000).toFixed(1)} s (ffmpeg runs on for the broadcast)`);
    void (async () => {
      if (runner.relayFailures % resolveAfter === 0) await reresolve();
      await sleep(delay, stopping.signal).catch(() => undefined);
      if (stopping.signal.aborted || !attempt || runner.attempt !== attempt) return;
      runner.relayDown = false;
      runner.acked = 0;
      runner.lastAckAt = runner.relaySince = performance.now();
      attempt.reconnect(urlFor(runner));
    })();
  }

  const watch = setInterval(() => {
    const now = performance.now();
    for (const runner of runners) {
      const attempt = runner.attempt;
      if (!attempt || runner.stalled) continue;
      const relay = runner.relayDown ? undefined : relayStall(runner, attempt.delivery(), now, stallMs, urlFor(runner));
      if (relay && runner.plan.flv) {
        log.warn(`${runner.kind}: ${relay}; dropping that upload`);
        attempt.dropRelay(`stalled: ${relay}`);
      } else if (relay) {
        runner.stalled = true;
        log.warn(`${runner.kind}: ${relay}; killing ffmpeg ${attempt.pid}`);
        void attempt.stop(`stalled: ${relay}`);
      } else if (now - runner.lastProgressAt > (runner.progressed ? stallMs : startupMs)) {
        runner.stalled = true;
        const seconds = ((now - runner.lastProgressAt) / 1000).toFixed(1);
        const why = runner.progressed ? `ffmpeg made no progress for ${seconds} s` : `ffmpeg produced nothing in the ${seconds} s after it started`;
        log.warn(`${runner.kind}: stalled, ${why}; killing ffmpeg ${attempt.pid}`);
        void attempt.stop(`stalled: ${why}`);
      }
    }
  }, Math.min(250, stallMs / 4));

  const logEveryMs = options.logEveryMs ?? 10000;
  let lastLog = performance.now();
  const report = setInterval(
    () => {
      const line = formatStatusLine({ ...status(), broadcast: deps.broadcaster?.status() });
      if (live) deps.statusLine?.(line);
      else if (logEveryMs > 0 && performance.now() - lastLog >= logEveryMs) {
        lastLog = performance.now();
        log.info(line);
      }
    },
    live ? 1000 : 500,
  );

  for (const runner of runners) {
    log.start(`${runner.kind}: ${runner.plan.source}`);
    runner.loop = run(runner);
  }

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping.abort();
      clearInterval(watch);
      clearInterval(report);
      await Promise.all(runners.map((r) => r.attempt?.stop()));
      await Promise.all(runners.map((r) => r.loop));
      if (live) deps.statusLine?.("");
      log.info(`${runners.map((r) => r.kind).join(" and ") || "streams"} stopped`); // run has a supervisor per stream
    })();
    return stopped;
  };
  deps.shutdown?.addEventListener("abort", () => void stop(), { once: true });

  return {
    status,
    restart(kind) {
      for (const runner of runners) if (!kind || runner.kind === kind) void runner.attempt?.stop();
    },
    stop,
  };
}
