import type { GroupChild, GroupSpawner } from "../process/group.ts";
import type { FfmpegPlan } from "./plan.ts";
import { explainFfmpegLines, type Progress, ProgressParser } from "./progress.ts";
import type { Delivery, Upload, Uploader } from "./upload.ts";

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
  /**
   * Given (plans with `flv`): losing the relay does not end the attempt, because ffmpeg also feeds the
   * broadcast. The loss is reported here; ffmpeg keeps running and `reconnect` sends to the relay again.
   */
  relayLost?(error: string): void;
}

interface AttemptEnd {
  /** Why it ended, in plain words; undefined when it was asked to stop. */
  error?: string;
  requested: boolean;
}

export interface Attempt {
  pid: number;
  /** What the relay has taken so far (see Upload.delivery). */
  delivery(): Delivery;
  ended: Promise<AttemptEnd>;
  /** End it: forward one signal to ffmpeg and drop the upload. `error` says why, for the status. */
  stop(error?: string): Promise<void>;
  /** After relayLost: a new upload to the relay, from the next MPEG-TS packet on. */
  reconnect(url: string): void;
  /** End only the relay upload (relayLost follows); with no relayLost handler, the same as stop(reason). */
  dropRelay(reason: string): void;
}

export interface AttemptDeps {
  spawn: GroupSpawner;
  /** How bytes reach the relay (see upload.ts): chosen by whoever wires the command, test or benchmark. */
  upload: Uploader;
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
  const relayLost = plan.flv ? events.relayLost : undefined;
  let upload: Pick<Upload, "delivery" | "abort">;
  let legs: RelayLegs | undefined;
  if (relayLost) {
    legs = relayLegs(child.stdout, deps.upload, events.bytes, relayLost);
    legs.connect(target);
    upload = legs;
  } else {
    const only = deps.upload(target, countingBody(child.stdout, events.bytes));
    only.answered.then(
      (status) => finish({ requested: false, error: relayAnswer(status, target) }),
      (error) => finish({ requested: false, error: relayError(error, target) }),
    );
    upload = only;
  }

  const ended = settled.then(async (first) => {
    await child.stop();
    upload.abort();
    if (requested || stopError) return { requested, error: stopError };
    return first;
  });

  const stop = async (error?: string) => {
    if (error) stopError ??= error;
    else requested = true;
    finish({ requested: !error, error });
    await ended;
  };
  return {
    pid: child.pid,
    delivery: () => upload.delivery(),
    ended,
    stop,
    reconnect: (next) => legs?.connect(new URL(next)),
    dropRelay: (reason) => (legs ? legs.drop(reason) : void stop(reason)),
  };
}

const TS_PACKET = 188;
/** MPEG-TS waiting for a slow relay beyond this ends that upload (about half a minute of video). */
const MAX_WAITING = 4 * 1024 * 1024;

interface RelayLegs {
  connect(url: URL): void;
  drop(reason: string): void;
  delivery(): Delivery;
  abort(): void;
}

/**
 * The relay upload as a leg that can fail and be replaced while ffmpeg runs on: stdout is read all the time;
 * while no upload is open its bytes are dropped, and a new upload starts at a TS packet boundary.
 */
function relayLegs(stdout: ReadableStream<Uint8Array>, uploader: Uploader, onBytes: (n: number) => void, lost: (error: string) => void): RelayLegs {
  interface Leg {
    upload: Upload;
    controller: ReadableStreamDefaultController<Uint8Array>;
    aligned: boolean;
  }
  let leg: Leg | undefined;
  let offset = 0;
  let aborted = false;
  const lose = (current: Leg, error: string) => {
    if (leg !== current) return;
    leg = undefined;
    current.upload.abort();
    try {
      current.controller.close();
    } catch {
      // already closed
    }
    if (!aborted) lost(error);
  };
  void drain(stdout, (value) => {
    const start = offset;
    offset += value.byteLength;
    const current = leg;
    if (!current) return;
    let chunk = value;
    if (!current.aligned) {
      const skip = (TS_PACKET - (start % TS_PACKET)) % TS_PACKET;
      if (skip >= chunk.byteLength) return;
      chunk = chunk.subarray(skip);
      current.aligned = true;
    }
    if ((current.controller.desiredSize ?? 0) < -MAX_WAITING) return lose(current, `the relay took too little: ${MAX_WAITING} bytes waiting`);
    onBytes(chunk.byteLength);
    current.controller.enqueue(chunk);
  });
  return {
    connect(url) {
      if (aborted || leg) return;
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) }, new ByteLengthQueuingStrategy({ highWaterMark: 0 }));
      const current: Leg = { upload: uploader(url, body), controller, aligned: false };
      leg = current;
      current.upload.answered.then(
        (status) => lose(current, relayAnswer(status, url)),
        (error) => lose(current, relayError(error, url)),
      );
    },
    drop: (reason) => (leg ? lose(leg, reason) : undefined),
    delivery: () => leg?.upload.delivery() ?? { written: 0 },
    abort() {
      aborted = true;
      if (leg) lose(leg, "aborted");
    },
  };
}
