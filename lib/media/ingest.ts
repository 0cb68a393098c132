import type { GroupChild, GroupSpawner } from "../process/group.ts";
import type { FfmpegPlan } from "./plan.ts";
import { explainFfmpegLines, type Progress, ProgressParser } from "./progress.ts";
import { fetchUploader, socketUploader, type Uploader } from "./upload.ts";

/**
 * One ingest attempt: start ffmpeg, POST its MPEG-TS stdout to the relay as a streaming request body,
 * and report progress, log lines, byte counts and the relay's acknowledgements until something ends it.
 */
export interface AttemptEvents {
  progress(progress: Progress): void;
  line(line: string): void;
  bytes(count: number): void;
  /** The broadcast's FLV from ffmpeg's fd 3 (plans with `flv`); drained and dropped when absent. */
  flv?(chunk: Uint8Array): void;
}

export interface AttemptEnd {
  /** Why it ended, in plain words; undefined when it was asked to stop. */
  error?: string;
  requested: boolean;
}

export interface Attempt {
  pid: number;
  /** What the relay has taken so far (see Upload.delivery). */
  delivery(): { written: number; queued?: number; acked?: number };
  ended: Promise<AttemptEnd>;
  /** End it: forward one signal to ffmpeg and drop the upload. `error` says why, for the status. */
  stop(error?: string): Promise<void>;
}

export interface AttemptDeps {
  spawn: GroupSpawner;
  /** How bytes reach the relay (default: a streaming POST on a socket of our own, see upload.ts). */
  upload?: Uploader;
  /**
   * A fetch other than the global one (a test's fake) is honoured for the upload when no `upload` is given;
   * the global fetch is not used, because it cannot show the relay's acknowledgements.
   */
  fetch?: typeof fetch;
}

function relayError(error: unknown, url: URL): string {
  const code = (error as { code?: string }).code ?? "";
  const where = `${url.hostname}:${url.port || 80}`;
  if (/ConnectionRefused|ECONNREFUSED/i.test(code)) return `the relay at ${where} refused the connection (is it running?)`;
  if (/ConnectionClosed|ECONNRESET|EPIPE/i.test(code)) return `the relay at ${where} closed the connection`;
  if (/ENOTFOUND|EAI_AGAIN/i.test(code)) return `the relay host ${url.hostname} cannot be found (DNS)`;
  if (/EHOSTUNREACH|ENETUNREACH/i.test(code)) return `the relay at ${where} cannot be reached (network down?)`;
  if (/Timeout/i.test(code)) return `the relay at ${where} timed out`;
  return `sending to the relay at ${where} failed: ${(error as Error).message ?? String(error)}`;
}

function relayAnswer(status: number, url: URL): string {
  const where = `${url.hostname}:${url.port || 80}`;
  if (status === 403 || status === 401) return `the relay at ${where} refused the stream key (HTTP ${status}); check platform.stream_key`;
  return `the relay at ${where} ended the stream (HTTP ${status})`;
}

/** Bytes from ffmpeg's stdout, counted on their way into the request body. */
function countingBody(source: ReadableStream<Uint8Array>, onBytes: (n: number) => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      onBytes(value.byteLength);
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Read a pipe to its end (ffmpeg blocks on a pipe nobody reads, so even unwanted output is read). */
async function drain(stream: ReadableStream<Uint8Array>, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      onChunk(value);
    }
  } catch {
    // the pipe closed with the process
  }
}

async function readLines(stream: ReadableStream<Uint8Array>, events: AttemptEvents, last: string[]): Promise<void> {
  const parser = new ProgressParser();
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const { blocks, lines } = parser.push(decoder.decode(value, { stream: true }));
      for (const line of lines) {
        last.push(line);
        events.line(line);
      }
      last.splice(0, Math.max(0, last.length - 8));
      for (const block of blocks) events.progress(block);
    }
  } catch {
    // the pipe closed with the process
  }
}

export function startAttempt(plan: FfmpegPlan, url: string, deps: AttemptDeps, events: AttemptEvents): Attempt {
  const target = new URL(url);
  const child: GroupChild = deps.spawn(plan.argv, plan.flv ? { feeder: plan.feeder, fd3: true } : { feeder: plan.feeder });
  if (child.fd3) void drain(child.fd3, (chunk) => events.flv?.(chunk));
  const last: string[] = [];
  let stopError: string | undefined;
  let requested = false;
  let finish!: (end: AttemptEnd) => void;
  const settled = new Promise<AttemptEnd>((resolve) => {
    finish = resolve;
  });

  const stderrDone = readLines(child.stderr, events, last);
  child.exited.then(async (code) => {
    await Promise.race([stderrDone, Bun.sleep(200)]);
    const said = explainFfmpegLines(last);
    finish({ requested: false, error: `ffmpeg exited (${code === null ? "killed by a signal" : `code ${code}`})${said ? `: ${said}` : ""}` });
  });
  const uploader = deps.upload ?? (deps.fetch && deps.fetch !== globalThis.fetch ? fetchUploader(deps.fetch) : socketUploader);
  const upload = uploader(target, countingBody(child.stdout, events.bytes));
  upload.answered.then(
    (status) => finish({ requested: false, error: relayAnswer(status, target) }),
    (error) => finish({ requested: false, error: relayError(error, target) }),
  );

  const ended = settled.then(async (first) => {
    await child.stop();
    upload.abort();
    if (requested || stopError) return { requested, error: stopError };
    return first;
  });

  return {
    pid: child.pid,
    delivery: () => upload.delivery(),
    ended,
    async stop(error) {
      if (error) stopError ??= error;
      else requested = true;
      finish({ requested: !error, error });
      await ended;
    },
  };
}
