import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { Logger } from "../../log.ts";
import type { RedisLink } from "./redis.ts";
import type { Relay } from "../relay/relay.ts";
import type { RobotRecord } from "../store/robot-record.ts";

/**
 * The relay across `serve` processes. An upload (video or audio POST, Remo `/transmit` too) arrives at one
 * process; viewers may be on any. The process holding the upload publishes its bytes, in whole 188-byte TS
 * packets, on the Redis channel `letsrobot:ts:{camera_id}`; a process subscribes to a camera's channel
 * while it has viewers of it, and feeds each remote upload to its own relay as if it had been posted there
 * (same sniffing, same per-viewer bounds). Bounded at both ends: the publisher drops whole packets when
 * more than `maxInFlightBytes` wait for Redis, and Redis disconnects a subscriber that falls too far behind
 * (its `client-output-buffer-limit pubsub`). A remote upload silent for `idleMs` is ended.
 */
export interface SharedRelayOptions {
  link: RedisLink;
  /** This process's unique member id (uploads it publishes carry it, so it skips its own). */
  nodeId: string;
  log: Logger;
  robotByCamera(cameraId: string): RobotRecord | undefined;
  /** Default 1 MiB. */
  maxInFlightBytes?: number;
  /** Default 10 s. */
  idleMs?: number;
  /** How often to drop subscriptions without viewers and idle remote uploads (default 2 s). */
  sweepMs?: number;
}

export interface SharedRelayStats {
  published_bytes: number;
  dropped_bytes: number;
  received_bytes: number;
  cameras_followed: string[];
}

const tsChannel = (cameraId: string) => `letsrobot:ts:${cameraId}`;
const packet = 188;
const DATA = 0;
const END = 1;

/** One frame on a camera channel: [kind][id length][upload id][payload]. Pure. */
export function encodeTsFrame(kind: typeof DATA | typeof END, uploadId: string, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const id = Buffer.from(uploadId, "utf8");
  return Buffer.concat([Buffer.from([kind, id.length]), id, payload]);
}

export function decodeTsFrame(frame: Buffer): { kind: number; uploadId: string; payload: Buffer } | undefined {
  if (frame.length < 2) return undefined;
  const length = frame[1] ?? 0;
  if (frame.length < 2 + length) return undefined;
  return { kind: frame[0] ?? -1, uploadId: frame.subarray(2, 2 + length).toString("utf8"), payload: frame.subarray(2 + length) };
}

interface RemoteUpload {
  req: Readable;
  last: number;
}

/** A request-like stream the local relay reads a remote upload from, and a response that goes nowhere. */
function remoteRequest(): { req: Readable; res: ServerResponse } {
  const req = new Readable({ read() {} });
  const res = { headersSent: false, writeHead: () => res, end: () => res };
  return { req, res: res as unknown as ServerResponse };
}

export function shareRelay(relay: Relay, options: SharedRelayOptions): Relay & { shared(): SharedRelayStats } {
  const { link, nodeId } = options;
  const log = options.log.withTag("relay");
  const maxInFlight = options.maxInFlightBytes ?? 1024 * 1024;
  const idleMs = options.idleMs ?? 10_000;
  const followed = new Map<string, Map<string, RemoteUpload>>();
  // remote uploads our relay dropped (a newer upload replaced them): their later bytes are ignored, so a
  // stale transmitter elsewhere cannot take the stream back from the newer one chunk by chunk
  const replaced = new Set<string>();
  const stats = { published: 0, dropped: 0, received: 0 };
  let inFlight = 0;
  let uploads = 0;

  const publish = (cameraId: string, frame: Buffer, payloadBytes: number, droppable: boolean) => {
    if (droppable && inFlight + frame.length > maxInFlight) {
      stats.dropped += payloadBytes;
      return;
    }
    inFlight += frame.length;
    stats.published += payloadBytes;
    void link.publish(tsChannel(cameraId), frame).finally(() => {
      inFlight -= frame.length;
    });
  };

  /** Publish what a local upload carries, packet-aligned, until it ends. */
  const share = (req: IncomingMessage, robot: RobotRecord) => {
    uploads += 1;
    const uploadId = `${nodeId}/${uploads}`;
    let carry = Buffer.alloc(0);
    req.on("data", (chunk: Buffer) => {
      const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % packet);
      carry = Buffer.from(bytes.subarray(whole));
      if (whole > 0) publish(robot.cameraId, encodeTsFrame(DATA, uploadId, bytes.subarray(0, whole)), whole, true);
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      publish(robot.cameraId, encodeTsFrame(END, uploadId), 0, false);
    };
    req.on("end", end);
    req.on("close", end);
  };

  const onFrame = (cameraId: string, raw: Buffer) => {
    const frame = decodeTsFrame(raw);
    const uploadsOf = followed.get(cameraId);
    if (!frame || !uploadsOf || frame.uploadId.startsWith(`${nodeId}/`) || replaced.has(frame.uploadId)) return;
    let upload = uploadsOf.get(frame.uploadId);
    if (frame.kind === END) {
      upload?.req.push(null);
      uploadsOf.delete(frame.uploadId);
      return;
    }
    if (!upload) {
      const robot = options.robotByCamera(cameraId);
      if (!robot) return;
      const { req, res } = remoteRequest();
      upload = { req, last: Date.now() };
      uploadsOf.set(frame.uploadId, upload);
      req.on("close", () => {
        if (uploadsOf.get(frame.uploadId)?.req !== req) return;
        uploadsOf.delete(frame.uploadId);
        if (replaced.size >= 1000) replaced.clear();
        replaced.add(frame.uploadId);
      });
      relay.ingest(req as IncomingMessage, res, robot);
    }
    upload.last = Date.now();
    stats.received += frame.payload.length;
    upload.req.push(Buffer.from(frame.payload));
  };

  const follow = (cameraId: string) => {
    if (followed.has(cameraId)) return;
    followed.set(cameraId, new Map());
    link.subscribe(tsChannel(cameraId), (raw) => onFrame(cameraId, raw)).catch((error: Error) => log.warn(`cannot follow camera ${cameraId} on Redis: ${error.message}`));
  };

  const unfollow = (cameraId: string) => {
    const uploadsOf = followed.get(cameraId);
    if (!uploadsOf) return;
    followed.delete(cameraId);
    const uploadList = [...uploadsOf.values()];
    uploadsOf.clear();
    for (const upload of uploadList) upload.req.destroy();
    link.unsubscribe(tsChannel(cameraId)).catch(() => undefined);
  };

  const sweep = setInterval(() => {
    const watched = new Set(relay.stats().filter((s) => s.viewers.length > 0).map((s) => s.camera_id));
    for (const [cameraId, uploadsOf] of followed) {
      if (!watched.has(cameraId)) {
        unfollow(cameraId);
        continue;
      }
      for (const [id, upload] of uploadsOf) {
        if (Date.now() - upload.last < idleMs) continue;
        log.info(`remote upload ${id} of camera ${cameraId} went silent; ending it`);
        upload.req.push(null);
        uploadsOf.delete(id);
      }
    }
  }, options.sweepMs ?? 2000);

  return {
    ingest(req, res, robot) {
      share(req, robot);
      relay.ingest(req, res, robot);
    },
    upgrade(req, socket, head, knownCamera) {
      return relay.upgrade(req, socket, head, (cameraId) => {
        const known = knownCamera(cameraId);
        if (known) follow(cameraId);
        return known;
      });
    },
    stats: () => relay.stats(),
    shared: () => ({ published_bytes: stats.published, dropped_bytes: stats.dropped, received_bytes: stats.received, cameras_followed: [...followed.keys()] }),
    close() {
      clearInterval(sweep);
      for (const cameraId of [...followed.keys()]) unfollow(cameraId);
      relay.close();
    },
  };
}
