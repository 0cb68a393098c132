import { randomBytes } from "node:crypto";
import { isIP, connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { type Amf0Object, type Amf0Value, decodeAmf0, encodeAmf0 } from "./amf0.ts";
import { ChunkReader, encodeMessage, MSG, type RtmpMessage } from "./rtmp-chunk.ts";

/**
 * A publishing RTMP client over TCP or TLS (rtmps): handshake, connect, createStream, publish, then audio and
 * video messages. letsrobot speaks RTMP itself so the stream key travels only inside the connection, never on
 * a command line. See docs/twitch.md.
 */
export interface Ingest {
  secure: boolean;
  host: string;
  port: number;
  /** The application path, e.g. "app" for Twitch, "live" for nginx-rtmp. */
  app: string;
  /** The address without the key, as the server is told in `connect`. */
  tcUrl: string;
}

/** rtmp://host[:port]/app or rtmps://… → its parts; throws with a message naming the problem. */
export function parseIngest(text: string): Ingest {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a URL`);
  }
  if (url.protocol !== "rtmp:" && url.protocol !== "rtmps:") throw new Error(`"${text}" is not an rtmp:// or rtmps:// address`);
  if (!url.hostname) throw new Error(`"${text}" names no host`);
  if (url.username || url.password || url.search) throw new Error(`"${text}" must not carry a user, password or query: the stream key goes in its own setting`);
  const app = url.pathname.replace(/^\/+|\/+$/g, "");
  if (!app) throw new Error(`"${text}" names no application path (e.g. rtmp://live.twitch.tv/app)`);
  const secure = url.protocol === "rtmps:";
  const port = Number(url.port || (secure ? 443 : 1935));
  return { secure, host: url.hostname, port, app, tcUrl: `${url.protocol}//${url.host}/${app}` };
}

export interface RtmpConnection {
  /** Publish on the stream: resolves once the server says NetStream.Publish.Start. */
  publish(streamName: string): Promise<void>;
  /** One audio/video/data message on the published stream. */
  send(type: number, timestamp: number, body: Uint8Array): void;
  /** Bytes written but not yet taken by the kernel (a slow uplink shows here). */
  buffered(): number;
  /** Bytes handed to the socket so far. */
  written(): number;
  /** Resolves with the reason when the connection ends, for any cause. */
  closed: Promise<string>;
  /** End the connection; `reason` becomes what `closed` resolves with. */
  close(reason?: string): void;
}

const CHUNK_SIZE = 4096;
const HANDSHAKE = 1536;

function open(ingest: Ingest): Socket {
  // SNI carries host names only; a certificate for an address is still checked against it
  if (ingest.secure) return tlsConnect({ host: ingest.host, port: ingest.port, servername: isIP(ingest.host) ? undefined : ingest.host });
  return tcpConnect({ host: ingest.host, port: ingest.port });
}

function describe(result: Amf0Value[]): string {
  const info = result.find((v): v is Amf0Object => typeof v === "object" && v !== null && !Array.isArray(v) && "code" in v);
  return info ? `${info.code}${info.description ? ` (${info.description})` : ""}` : "no reason given";
}

/** Connect to the ingest and its application; rejects with a plain reason. */
export function connectRtmp(ingest: Ingest, options: { timeoutMs?: number } = {}): Promise<RtmpConnection> {
  const socket = open(ingest);
  socket.setNoDelay(true);
  const reader = new ChunkReader();
  let handshake: Uint8Array | undefined = new Uint8Array(0);
  let sentC2 = false;
  let received = 0;
  let ackWindow = 0;
  let lastAck = 0;
  let written = 0;
  let transaction = 1;
  let streamId = 0;
  const pending = new Map<number, { resolve: (v: Amf0Value[]) => void; reject: (e: Error) => void }>();
  let onStatus: ((values: Amf0Value[]) => void) | undefined;
  let endReason: string | undefined;
  let resolveClosed!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => {
    resolveClosed = resolve;
  });
  const where = `${ingest.host}:${ingest.port}`;

  const write = (message: RtmpMessage) => {
    if (socket.destroyed) return;
    const bytes = encodeMessage(message, CHUNK_SIZE);
    written += bytes.length;
    socket.write(bytes);
  };
  const command = (name: string, args: Amf0Value[], id = 0): Promise<Amf0Value[]> => {
    const txn = transaction++;
    write({ csid: 3, type: MSG.commandAmf0, streamId: id, timestamp: 0, body: encodeAmf0(name, txn, ...args) });
    return new Promise((resolve, reject) => pending.set(txn, { resolve, reject }));
  };
  const end = (reason: string) => {
    if (endReason !== undefined) return;
    endReason = reason;
    for (const p of pending.values()) p.reject(new Error(reason));
    pending.clear();
    socket.destroy();
    resolveClosed(reason);
  };

  const handle = (message: RtmpMessage) => {
    if (message.type === MSG.windowAckSize && message.body.length >= 4) ackWindow = Buffer.from(message.body).readUInt32BE(0);
    else if (message.type === MSG.userControl && message.body.length >= 6 && message.body[1] === 6) {
      // ping request: answer with the same timestamp
      write({ csid: 2, type: MSG.userControl, streamId: 0, timestamp: 0, body: Uint8Array.of(0, 7, ...message.body.subarray(2, 6)) });
    } else if (message.type === MSG.commandAmf0) {
      const values = decodeAmf0(message.body);
      const [name, txn] = values;
      if ((name === "_result" || name === "_error") && typeof txn === "number") {
        const waiter = pending.get(txn);
        pending.delete(txn);
        if (name === "_result") waiter?.resolve(values.slice(2));
        else waiter?.reject(new Error(`the server refused: ${describe(values.slice(2))}`));
      } else if (name === "onStatus") onStatus?.(values.slice(2));
    }
  };

  socket.on("data", (chunk: Buffer) => {
    try {
      received += chunk.length;
      if (ackWindow > 0 && received - lastAck >= ackWindow) {
        lastAck = received;
        const body = Buffer.alloc(4);
        body.writeUInt32BE(received >>> 0, 0);
        write({ csid: 2, type: MSG.ack, streamId: 0, timestamp: 0, body });
      }
      let data: Uint8Array = chunk;
      if (handshake) {
        const joined = Buffer.concat([handshake, chunk]);
        if (joined.length >= 1 && joined[0] !== 3) throw new Error(`the server answered RTMP version ${joined[0]}: not an RTMP server?`);
        // C2 echoes S1 as soon as S1 is here (a server may hold S2 until then)
        if (!sentC2 && joined.length >= 1 + HANDSHAKE) {
          sentC2 = true;
          socket.write(joined.subarray(1, 1 + HANDSHAKE));
        }
        if (joined.length < 1 + 2 * HANDSHAKE) {
          handshake = joined;
          return;
        }
        handshake = undefined;
        data = joined.subarray(1 + 2 * HANDSHAKE);
        socket.emit("rtmp-handshake");
      }
      for (const message of reader.push(data)) handle(message);
    } catch (error) {
      end(`${where} sent something that is not RTMP: ${(error as Error).message}`);
    }
  });
  socket.on("error", (error: NodeJS.ErrnoException) => end(explainSocketError(error, where)));
  socket.on("close", () => end(`${where} closed the connection`));

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => end(`${where} did not complete the RTMP handshake within ${options.timeoutMs ?? 5000} ms`), options.timeoutMs ?? 5000);
    closed.then((reason) => {
      clearTimeout(timer);
      reject(new Error(reason));
    });
    socket.once(ingest.secure ? "secureConnect" : "connect", () => {
      const c1 = Buffer.concat([Buffer.alloc(8), randomBytes(HANDSHAKE - 8)]);
      socket.write(Buffer.concat([Buffer.of(3), c1]));
    });
    socket.once("rtmp-handshake", async () => {
      try {
        const size = Buffer.alloc(4);
        size.writeUInt32BE(CHUNK_SIZE, 0);
        write({ csid: 2, type: MSG.setChunkSize, streamId: 0, timestamp: 0, body: size });
        await command("connect", [{ app: ingest.app, type: "nonprivate", flashVer: "FMLE/3.0 (compatible; letsrobot)", tcUrl: ingest.tcUrl }]);
        clearTimeout(timer);
        resolve();
      } catch (error) {
        end((error as Error).message);
      }
    });
  });

  const connection: RtmpConnection = {
    async publish(streamName) {
      command("releaseStream", [null, streamName]).catch(() => undefined);
      command("FCPublish", [null, streamName]).catch(() => undefined);
      const created = await command("createStream", [null]);
      streamId = typeof created[1] === "number" ? created[1] : 1;
      const started = new Promise<void>((resolve, reject) => {
        onStatus = (values) => {
          const code = String((values[1] as Amf0Object | undefined)?.code ?? "");
          if (code === "NetStream.Publish.Start") resolve();
          else if (/error|fail|BadName|Rejected/i.test(code) || (values[1] as Amf0Object | undefined)?.level === "error") reject(new Error(`the server refused to publish: ${describe(values)}`));
        };
        closed.then((reason) => reject(new Error(reason)));
      });
      write({ csid: 8, type: MSG.commandAmf0, streamId, timestamp: 0, body: encodeAmf0("publish", transaction++, null, streamName, "live") });
      await started;
    },
    send(type, timestamp, body) {
      write({ csid: type === MSG.audio ? 4 : type === MSG.video ? 6 : 5, type, streamId, timestamp, body });
    },
    buffered: () => socket.writableLength ?? 0,
    written: () => written,
    closed,
    close: (reason) => end(reason ?? "closed by letsrobot"),
  };
  return ready.then(() => connection);
}

function explainSocketError(error: NodeJS.ErrnoException, where: string): string {
  const code = error.code ?? "";
  if (/ECONNREFUSED|ConnectionRefused/i.test(code)) return `${where} refused the connection (is the ingest up?)`;
  if (/ENOTFOUND|EAI_AGAIN/i.test(code)) return `${where.split(":")[0]} cannot be found (DNS)`;
  if (/ECONNRESET|EPIPE|ConnectionClosed/i.test(code)) return `${where} closed the connection`;
  if (/EHOSTUNREACH|ENETUNREACH/i.test(code)) return `${where} cannot be reached (network down?)`;
  if (/CERT|SELF_SIGNED|ALTNAME/i.test(code)) return `${where}: its TLS certificate is not trusted (${error.message}); a private ingest's CA goes in NODE_EXTRA_CA_CERTS`;
  return `${where}: ${error.message}`;
}

/** The short check `probe` makes: handshake and connect to the application, no publishing (no key needed). */
export async function probeRtmp(ingest: Ingest, timeoutMs = 5000): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  try {
    const connection = await connectRtmp(ingest, { timeoutMs });
    connection.close();
    return { ok: true, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, ms: performance.now() - started, error: (error as Error).message };
  }
}
