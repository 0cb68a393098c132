/**
 * The relay part (lib/server/relay/): video and audio from a robot's ffmpeg to every viewer. It owns the
 * MPEG-TS uploads (one per camera and kind), what kind of stream an upload carries (ts-sniff.ts), the viewers'
 * websockets (ws-server.ts, also used by the Remo endpoint), how many viewers it takes (viewer-caps.ts) and
 * the memory bounds per viewer and in total (queue-budget.ts).
 * It knows robots only as records to check a stream key against; sharing streams across processes is the
 * cluster part's job.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../../log.ts";
import { requestUrl } from "../http/routes.ts";
import type { RobotRecord } from "../store/robot-record.ts";
import { type StreamKind, sniffCodec, sniffStreamKind, wholePackets } from "./ts-sniff.ts";
import { QueueBudget } from "./queue-budget.ts";
import { ViewerCaps } from "./viewer-caps.ts";
import type { ViewerSocket, WebSocketUpgrader } from "./ws-server.ts";

/**
 * The MPEG-TS relay. ffmpeg POSTs (chunked, long-lived) to `/{stream_key}/{xres}/{yres}/`; the key was
 * checked before we get the request. The upload's kind (video or audio) is read from its first PES header.
 * Viewers open `ws://…/ws/stream/{camera_id}/video` and `/audio` (or `/ws/stream/{camera_id}` for both
 * interleaved, which suits one jsmpeg player when the two uploads use different PIDs) and get the data as
 * binary frames of whole 188-byte TS packets, so a dropped frame never breaks a viewer's demuxer.
 * One transmitter per camera and kind: a new upload replaces the old one (a restarted ffmpeg is never
 * locked out). Each viewer's queue is bounded: past `maxQueueBytes` frames are dropped for that viewer,
 * and a viewer that stays over the bound for `stallMs` is disconnected.
 *
 * Memory is bounded whoever connects: at most `maxTotalViewers` viewers (`maxViewersPerAddress` from one
 * address, viewer-caps.ts), and the queue budget (queue-budget.ts) holds at most
 * `maxTotalViewers × freeQueueBytes + maxBehindBytes` for them (defaults: 1000 × 64 KiB + 64 MiB ≈ 126.5 MiB).
 */
export interface RelayOptions {
  log: Logger;
  upgrader: WebSocketUpgrader;
  maxQueueBytes?: number;
  stallMs?: number;
  /** Most viewers of one camera's stream; more get HTTP 503. */
  maxViewers?: number;
  /** Most viewers on the whole relay (default 1000); more get HTTP 503. */
  maxTotalViewers?: number;
  /** Most viewers from one address (default 32; 0 = no per-address cap, e.g. behind a reverse proxy); more get HTTP 429. */
  maxViewersPerAddress?: number;
  /** What each viewer may queue without touching the shared budget (default 64 KiB). */
  freeQueueBytes?: number;
  /** Bytes queued beyond `freeQueueBytes`, all viewers together (default 64 MiB). */
  maxBehindBytes?: number;
  now?: () => number;
}

interface ViewerStats {
  queued: number;
  buffered: number;
  sent: number;
  dropped: number;
}

export interface StreamStats {
  camera_id: string;
  kind: StreamKind;
  /** From the upload's PMT: "mpeg1", "h264", "mp2", "aac" …; null when it had none. */
  codec: string | null;
  live: boolean;
  since: number | null;
  bytes_in: number;
  bytes_out: number;
  dropped_bytes: number;
  transmitters: number;
  viewers: ViewerStats[];
}

export interface Relay {
  ingest(req: IncomingMessage, res: ServerResponse, robot: RobotRecord): void;
  /** Take a websocket upgrade for `/ws/stream/{camera_id}[/video|/audio]`; false when the path is not ours. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, knownCamera: (cameraId: string) => boolean): boolean;
  stats(): StreamStats[];
  close(): void;
}

interface Viewer {
  socket: ViewerSocket;
  /** Gone: what it still had queued was given back at once, whatever its socket's callbacks do. */
  closed?: boolean;
  queued: number;
  sent: number;
  dropped: number;
  overSince?: number;
}

interface Stream {
  cameraId: string;
  kind: StreamKind;
  /** Of the current or last upload, from its PMT: "mpeg1", "h264", "mp2", "aac" … */
  codec?: string | null;
  transmitter?: { req: IncomingMessage; res: ServerResponse };
  since?: number;
  bytesIn: number;
  bytesOut: number;
  dropped: number;
  transmitters: number;
  viewers: Set<Viewer>;
}

const sniffLimit = 64 * 1024;

export function createRelay(options: RelayOptions): Relay {
  const maxQueue = options.maxQueueBytes ?? 1024 * 1024;
  const stallMs = options.stallMs ?? 10_000;
  const now = options.now ?? Date.now;
  const streams = new Map<string, Stream>();
  const uploads = new Set<IncomingMessage>();
  const caps = new ViewerCaps({ perStream: options.maxViewers ?? 1000, total: options.maxTotalViewers ?? 1000, perAddress: options.maxViewersPerAddress ?? 32 });
  const budget = new QueueBudget({ maxQueueBytes: maxQueue, freeQueueBytes: options.freeQueueBytes ?? 64 * 1024, maxBehindBytes: options.maxBehindBytes ?? 64 * 1024 * 1024 });

  const streamOf = (cameraId: string, kind: StreamKind): Stream => {
    const key = `${cameraId}/${kind}`;
    let stream = streams.get(key);
    if (!stream) streams.set(key, (stream = { cameraId, kind, bytesIn: 0, bytesOut: 0, dropped: 0, transmitters: 0, viewers: new Set() }));
    return stream;
  };

  const fanOut = (stream: Stream, chunk: Uint8Array) => {
    stream.bytesIn += chunk.length;
    for (const viewer of stream.viewers) {
      if (!budget.fits(viewer.queued, chunk.length)) {
        viewer.dropped += chunk.length;
        stream.dropped += chunk.length;
        viewer.overSince ??= now();
        if (now() - viewer.overSince > stallMs) {
          options.log.warn(`disconnecting a stalled ${stream.kind} viewer of camera ${stream.cameraId} (over ${maxQueue} bytes behind for ${stallMs} ms)`);
          stream.viewers.delete(viewer);
          viewer.socket.terminate();
        }
        continue;
      }
      viewer.overSince = undefined;
      budget.queue(viewer, chunk.length);
      viewer.sent += chunk.length;
      stream.bytesOut += chunk.length;
      const size = chunk.length;
      viewer.socket.send(chunk, () => {
        if (!viewer.closed) budget.queue(viewer, -size);
      });
    }
  };

  const start = (stream: Stream, req: IncomingMessage, res: ServerResponse, robot: RobotRecord, codec: string | null) => {
    const old = stream.transmitter;
    if (old) {
      options.log.info(`a new ${stream.kind} upload for ${robot.name} replaces the previous one`);
      old.req.destroy();
    }
    stream.transmitter = { req, res };
    stream.since = now();
    stream.transmitters += 1;
    stream.codec = codec;
    options.log.info(`${stream.kind} stream of ${robot.name} (camera ${robot.cameraId}${codec ? `, ${codec}` : ""}) is live`);
  };

  return {
    ingest(req, res, robot) {
      uploads.add(req);
      let stream: Stream | undefined;
      // bytes not yet forwarded: the sniffed head, then the tail of a TS packet cut by the chunking
      let carry: Uint8Array = new Uint8Array(0);
      req.on("data", (chunk: Buffer) => {
        const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
        if (!stream) {
          const kind = sniffStreamKind(bytes);
          if (kind === "invalid" || (kind === "unknown" && bytes.length > sniffLimit) || (kind !== "unknown" && bytes[0] !== 0x47)) {
            options.log.warn(`an upload for ${robot.name} is not an MPEG-TS video or audio stream; closing it`);
            res.writeHead(415, { "content-type": "text/plain", connection: "close" }).end("expected MPEG-TS with MPEG-1 or H.264 video, or MP2 or AAC audio\n");
            req.destroy();
            return;
          }
          if (kind === "unknown") {
            carry = bytes;
            return;
          }
          stream = streamOf(robot.cameraId, kind);
          start(stream, req, res, robot, sniffCodec(bytes));
        }
        const { packets, rest } = wholePackets(bytes);
        carry = rest;
        if (packets.length > 0) fanOut(stream, packets);
      });
      const finish = () => {
        uploads.delete(req);
        if (stream?.transmitter?.req === req) {
          stream.transmitter = undefined;
          stream.since = undefined;
          options.log.info(`${stream.kind} stream of ${robot.name} (camera ${robot.cameraId}) ended`);
        }
      };
      req.on("end", () => {
        finish();
        if (!res.headersSent) res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      });
      req.on("close", finish);
      req.on("error", finish);
    },

    upgrade(req, socket, head, knownCamera) {
      const match = /^\/ws\/stream\/([0-9]{1,20})(?:\/(video|audio))?\/?$/.exec(requestUrl(req)?.pathname ?? "");
      if (!match) return false;
      const cameraId = match[1] ?? "";
      if (!knownCamera(cameraId)) {
        socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        return true;
      }
      const kinds: StreamKind[] = match[2] ? [match[2] as StreamKind] : ["video", "audio"];
      const joined = kinds.map((kind) => streamOf(cameraId, kind));
      const address = req.socket.remoteAddress ?? "";
      const refusal = caps.refusal(cameraId, joined.map((stream) => stream.viewers.size), address);
      if (refusal) {
        options.log.warn(`${refusal.reason}; refusing another`);
        socket.end(`HTTP/1.1 ${refusal.status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        return true;
      }
      caps.enter(address);
      let viewer: Viewer | undefined;
      let gone = false;
      const leave = () => {
        if (gone) return;
        gone = true;
        caps.leave(address);
        if (!viewer) return;
        for (const stream of joined) stream.viewers.delete(viewer);
        budget.queue(viewer, -viewer.queued);
        viewer.closed = true;
      };
      socket.once("close", leave);
      options.upgrader.upgrade(req, socket, head, (ws) => {
        if (gone) return ws.terminate();
        viewer = { socket: ws, queued: 0, sent: 0, dropped: 0 };
        for (const stream of joined) stream.viewers.add(viewer);
        ws.onClose(leave);
      });
      return true;
    },

    stats: () =>
      [...streams.values()].map((s) => ({
        camera_id: s.cameraId,
        kind: s.kind,
        codec: s.codec ?? null,
        live: s.transmitter !== undefined,
        since: s.since ?? null,
        bytes_in: s.bytesIn,
        bytes_out: s.bytesOut,
        dropped_bytes: s.dropped,
        transmitters: s.transmitters,
        viewers: [...s.viewers].map((v) => ({ queued: v.queued, buffered: v.socket.bufferedAmount, sent: v.sent, dropped: v.dropped })),
      })),

    close() {
      for (const req of uploads) req.destroy();
      uploads.clear();
      for (const stream of streams.values()) for (const viewer of stream.viewers) viewer.socket.terminate();
      options.upgrader.close();
    },
  };
}
