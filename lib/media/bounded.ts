import { MediaError } from "../errors.ts";
import type { GroupSpawner } from "../process/group.ts";
import { explainFfmpegLines, type Progress, ProgressParser } from "./progress.ts";

/**
 * A bounded ffmpeg run for `camera` and `mic`: own process group, progress parsed as it comes, stdout
 * handed over chunk by chunk, ended by a deadline or by Ctrl-C (one forwarded signal).
 */
export interface ProgressSample {
  /** performance.now() when the block arrived. */
  at: number;
  progress: Progress;
}

export interface BoundedResult {
  code: number | null;
  samples: ProgressSample[];
  /** The last log line in plain words, if ffmpeg said anything. */
  error?: string;
  timedOut: boolean;
  interrupted: boolean;
}

export interface BoundedDeps {
  spawn: GroupSpawner;
  shutdown?: AbortSignal;
}

export async function runBounded(
  argv: string[],
  deps: BoundedDeps,
  options: { timeoutMs: number; feeder?: string[]; onStdout?: (chunk: Uint8Array) => void; onProgress?: (sample: ProgressSample) => void },
): Promise<BoundedResult> {
  let child: ReturnType<GroupSpawner>;
  try {
    child = deps.spawn(argv, { feeder: options.feeder });
  } catch (error) {
    // not installed, or not on PATH: the user's to fix, not a bug
    throw new MediaError(`cannot start ${argv[0]}: it is not installed or not on PATH`, `install it: sudo apt-get install ${argv[0]}`, { cause: error });
  }
  const samples: ProgressSample[] = [];
  const lastLines: string[] = [];
  let timedOut = false;
  let interrupted = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(1000);
  }, options.timeoutMs);
  const onAbort = () => {
    interrupted = true;
    void child.stop(2000);
  };
  deps.shutdown?.addEventListener("abort", onAbort, { once: true });
  if (deps.shutdown?.aborted) onAbort();

  const readErr = (async () => {
    const parser = new ProgressParser();
    const decoder = new TextDecoder();
    const reader = child.stderr.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const { blocks, lines } = parser.push(decoder.decode(value, { stream: true }));
      lastLines.push(...lines);
      lastLines.splice(0, Math.max(0, lastLines.length - 8));
      for (const progress of blocks) {
        const sample = { at: performance.now(), progress };
        samples.push(sample);
        options.onProgress?.(sample);
      }
    }
  })().catch(() => undefined);
  const readOut = (async () => {
    const reader = child.stdout.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      options.onStdout?.(value);
    }
  })().catch(() => undefined);

  const code = await child.exited;
  await Promise.all([readErr, readOut]);
  clearTimeout(timer);
  deps.shutdown?.removeEventListener("abort", onAbort);
  return { code, samples, error: explainFfmpegLines(lastLines), timedOut, interrupted };
}

/** Frames per second measured over wall-clock time between the first and last progress blocks with frames. */
export function measuredFps(samples: ProgressSample[]): number | undefined {
  const withFrames = samples.filter((s) => (s.progress.frames ?? 0) > 0);
  const first = withFrames[0];
  const last = withFrames.at(-1);
  if (!first || !last || last.at - first.at < 500) return undefined;
  return (((last.progress.frames ?? 0) - (first.progress.frames ?? 0)) * 1000) / (last.at - first.at);
}
