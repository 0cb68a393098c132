import { readFileSync } from "node:fs";
import { connect } from "node:net";

/**
 * The streaming POST to the relay, over a plain TCP socket (HTTP/1.1, chunked). A socket of our own lets us
 * see what the relay has acknowledged: Linux lists each socket's unacknowledged send queue in
 * /proc/net/tcp, so a relay that stops taking data (network gone, relay frozen) shows within seconds instead
 * of after the kernel's send buffer (up to 4 MB, half a minute of video) has filled.
 */
/**
 * What the relay has taken so far: bytes written; of those still in the kernel, how many the relay has not
 * acknowledged (`queued`); the bytes it has acknowledged (`acked`); and whether its receive window is shut
 * (`windowShut`: the relay's kernel buffer is full because the relay stopped reading; the kernel is probing
 * a zero window). queued/acked/windowShut are undefined off Linux.
 */
export interface Delivery {
  written: number;
  queued?: number;
  acked?: number;
  windowShut?: boolean;
}

export interface Upload {
  /** The relay's HTTP status once it answers; rejects when the connection fails or closes first. */
  answered: Promise<number>;
  delivery(): Delivery;
  abort(): void;
}

export type Uploader = (url: URL, body: ReadableStream<Uint8Array>) => Upload;

/** Timer 4 in /proc/net/tcp's `tr` column: the zero window probe timer, armed while the peer's window is 0. */
const ZERO_WINDOW_PROBE = 4;

/**
 * The socket from localPort to remotePort in /proc/net/tcp{,6} text: its tx_queue and whether the kernel is
 * probing a zero window; undefined when not listed.
 */
export function sendStateOf(table: string, localPort: number, remotePort: number): { queued: number; windowShut: boolean } | undefined {
  const local = localPort.toString(16).toUpperCase().padStart(4, "0");
  const remote = remotePort.toString(16).toUpperCase().padStart(4, "0");
  for (const line of table.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${local}`) && fields[2]?.endsWith(`:${remote}`)) {
      const queue = fields[4]?.split(":")[0];
      if (queue === undefined) return undefined;
      return { queued: Number.parseInt(queue, 16), windowShut: Number.parseInt(fields[5]?.split(":")[0] ?? "0", 16) === ZERO_WINDOW_PROBE };
    }
  }
  return undefined;
}

function readTable(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

class UploadError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * The socket upload with extra request headers (e.g. `Authorization: Bearer …` for Remo's transmit URL).
 * Header values travel only inside the request, never in a process listing.
 */
export function uploadOverSocket(url: URL, body: ReadableStream<Uint8Array>, options: { headers?: Record<string, string> } = {}): Upload {
  const port = Number(url.port || 80);
  const socket = connect({ host: url.hostname, port });
  socket.setNoDelay(true);
  const reader = body.getReader();
  let written = 0;
  let settle!: { resolve: (status: number) => void; reject: (error: Error) => void };
  const answered = new Promise<number>((resolve, reject) => {
    settle = { resolve, reject };
  });
  answered.catch(() => undefined);
  let head = "";
  let done = false;
  const finish = (outcome: number | Error) => {
    if (done) return;
    done = true;
    if (typeof outcome === "number") settle.resolve(outcome);
    else settle.reject(outcome);
    reader.cancel().catch(() => undefined);
  };

  socket.on("connect", async () => {
    const extra = Object.entries(options.headers ?? {})
      .filter(([name, value]) => /^[A-Za-z0-9-]+$/.test(name) && !/[\r\n]/.test(value))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    const request = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: video/mp2t\r\n${extra}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    written += request.length;
    socket.write(request);
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended || socket.destroyed) break;
        const frame = Buffer.concat([Buffer.from(`${value.byteLength.toString(16)}\r\n`), value, Buffer.from("\r\n")]);
        written += frame.byteLength;
        if (!socket.write(frame)) await new Promise((resolve) => socket.once("drain", resolve));
      }
      if (!socket.destroyed) socket.end("0\r\n\r\n");
    } catch {
      // the body was cancelled: the upload is over
    }
  });
  // A refusal (4xx/5xx) ends the upload at once; a relay that says 2xx early and keeps reading is fine:
  // the upload ends only when it closes the connection.
  let status: number | undefined;
  socket.on("data", (chunk: Buffer) => {
    if (status !== undefined) return;
    head += chunk.toString("latin1");
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!match) return;
    status = Number(match[1]);
    if (status >= 300) finish(status);
  });
  socket.on("error", (error: NodeJS.ErrnoException) => finish(status ?? new UploadError(error.message, error.code ?? "ECONNRESET")));
  socket.on("close", () => finish(status ?? new UploadError("the connection closed", "ECONNRESET")));

  return {
    answered,
    delivery() {
      const localPort = socket.localPort;
      if (!localPort) return { written };
      const state = sendStateOf(readTable("/proc/net/tcp"), localPort, port) ?? sendStateOf(readTable("/proc/net/tcp6"), localPort, port);
      if (state === undefined) return { written };
      return { written, ...state, acked: Math.max(0, written - (socket.writableLength ?? 0) - state.queued) };
    },
    abort() {
      finish(new UploadError("aborted", "ABORTED"));
      socket.destroy();
    },
  };
}

/** The upload to the relay: a streaming POST on a socket of our own. */
export const socketUploader: Uploader = (url, body) => uploadOverSocket(url, body);

/** The same upload through a fetch function: no acknowledgements to watch (https uploads, tests). */
export function fetchUploader(fetchFn: typeof fetch): Uploader {
  return (url, body) => {
    const abort = new AbortController();
    let written = 0;
    const reader = body.getReader();
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        written += value.byteLength;
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    const init = { method: "POST", body: counted, headers: { "content-type": "video/mp2t" }, signal: abort.signal, duplex: "half" };
    const answered = fetchFn(url, init as RequestInit).then((response) => response.status);
    answered.catch(() => undefined);
    return { answered, delivery: () => ({ written }), abort: () => abort.abort() };
  };
}
