import type { Logger } from "../log.ts";
import { redact } from "../log.ts";
import { type BackoffOptions, backoffDelay, sleep } from "../net/backoff.ts";
import { encodeAmf0 } from "./amf0.ts";
import type { BroadcastTarget } from "./broadcast-plan.ts";
import { FLV_SCRIPT, type FlvTag, FlvReader, isKeyframe, isSequenceHeader } from "./flv.ts";
import type { MediaKind } from "./plan.ts";
import { connectRtmp, type RtmpConnection } from "./rtmp.ts";

/**
 * The broadcast to an RTMP ingest (Twitch, YouTube, nginx-rtmp): the capture ffmpeg processes also write
 * H.264 and AAC as FLV to a pipe, and this publisher sends their tags over its own RTMP connection. It is
 * supervised apart from the capture: a dead ingest is retried with backoff while the relay streams go on, and a
 * restarted ffmpeg just starts a new feed on the same connection (timestamps stay on one clock).
 */
export interface BroadcastStatus {
  /** Connected, publishing, and media sent within the last 3 s. */
  running: boolean;
  kbps?: number;
  /** Connections made after the first. */
  restarts: number;
  lastError?: string;
  /** Bytes handed to the ingest connection by all connections. */
  bytes: number;
  /** Video messages dropped because the uplink fell behind (each drop waits for the next keyframe). */
  dropped: number;
}

export interface Broadcaster {
  /** A new FLV byte stream of this kind begins (a new ffmpeg); returns where its bytes go. */
  feed(kind: MediaKind): (chunk: Uint8Array) => void;
  status(): BroadcastStatus;
  stop(): Promise<void>;
}

export interface BroadcastDeps {
  log: Logger;
  random?: () => number;
  /** Opens the RTMP connection (tests may wrap the real one). */
  connect?: typeof connectRtmp;
  /** Told when the broadcast goes live and when it goes down (with why). */
  onChange?(live: boolean, detail?: string): void;
}

export interface BroadcastOptions {
  backoff?: BackoffOptions;
  /** Bytes waiting in our socket buffer beyond which video is dropped until the next keyframe. */
  maxBufferedBytes?: number;
  /** A connection that lasted this long starts its backoff from scratch. */
  healthyMs?: number;
  /**
   * An ingest that takes nothing while more than maxBufferedBytes wait for this long is dropped and connected
   * again (a frozen server or a dead route; audio is never dropped, so waiting bytes would grow). Default 5000.
   */
  stallMs?: number;
  /** How long the ingest may take to answer `publish` before the connection is dropped (default 10000). */
  publishTimeoutMs?: number;
}

const broadcastBackoff: BackoffOptions = { baseMs: 1000, capMs: 15000, jitter: 0.2 };

interface Feed {
  reader: FlvReader;
  /** Added to this feed's timestamps to put them on the broadcast's clock; set at its first media tag. */
  offset?: number;
  last: number;
}

export function startBroadcast(target: BroadcastTarget, deps: BroadcastDeps, options: BroadcastOptions = {}): Broadcaster {
  const log = deps.log.withTag("broadcast");
  const connect = deps.connect ?? connectRtmp;
  const where = target.ingest.tcUrl;
  const maxBuffered = options.maxBufferedBytes ?? Math.max(256 * 1024, target.metadata.videoKbps * 250); // ~2 s
  const clockStart = performance.now();
  const stopping = new AbortController();
  const feeds: Partial<Record<MediaKind, Feed>> = {};
  const headers: Partial<Record<MediaKind, FlvTag>> = {};
  let connection: RtmpConnection | undefined;
  /** A connection still being set up (stop() ends it too). */
  let opening: RtmpConnection | undefined;
  let waitingKeyframe = true;
  let restarts = 0;
  let failures = 0;
  let bytesBefore = 0;
  let dropped = 0;
  let lastError: string | undefined;
  let lastSentAt = 0;
  let kbps: number | undefined;
  let sample = { at: performance.now(), bytes: 0 };

  const now = () => Math.round(performance.now() - clockStart);
  let reported: boolean | undefined;
  /** onChange on each change between live and down (the first failure counts as one). */
  const report = (live: boolean, detail?: string) => {
    if (reported === live) return;
    reported = live;
    deps.onChange?.(live, detail);
  };
  const totalBytes = () => bytesBefore + (connection?.written() ?? 0);

  function send(kind: MediaKind, tag: FlvTag, timestamp: number): void {
    if (!connection) return;
    if (kind === "video" && !isSequenceHeader(tag)) {
      if (connection.buffered() > maxBuffered) {
        dropped += 1;
        waitingKeyframe = true;
        return;
      }
      if (waitingKeyframe && !isKeyframe(tag)) return;
      waitingKeyframe = false;
    }
    connection.send(tag.type, timestamp, tag.data);
    lastSentAt = performance.now();
  }

  function take(kind: MediaKind, feed: Feed, tag: FlvTag): void {
    if (tag.type === FLV_SCRIPT) return;
    if (isSequenceHeader(tag)) {
      headers[kind] = tag;
      send(kind, tag, Math.max(feed.last, 0));
      return;
    }
    feed.offset ??= now() - tag.timestamp;
    const timestamp = Math.max(feed.last, tag.timestamp + feed.offset);
    feed.last = timestamp;
    send(kind, tag, timestamp);
  }

  async function session(): Promise<string> {
    const opened = await connect(target.ingest, { timeoutMs: 10000 });
    opening = opened;
    if (stopping.signal.aborted) opened.close();
    const publishMs = options.publishTimeoutMs ?? 10000;
    const late = setTimeout(() => opened.close(`the ingest did not start the stream within ${(publishMs / 1000).toFixed(1)} s`), publishMs);
    try {
      const dropped = opened.closed.then((reason) => Promise.reject(new Error(reason)));
      dropped.catch(() => undefined); // only the race below reads it
      await Promise.race([opened.publish(target.streamKey), dropped]);
    } catch (error) {
      opened.close();
      throw error;
    } finally {
      clearTimeout(late);
      opening = undefined;
    }
    if (stopping.signal.aborted) {
      opened.close();
      return "stopped";
    }
    connection = opened;
    const { width, height, fps, videoKbps, audioKbps } = target.metadata;
    const meta: Record<string, number | string> = { width, height, framerate: fps, videocodecid: 7, videodatarate: videoKbps, encoder: "letsrobot" };
    if (audioKbps !== undefined) Object.assign(meta, { audiocodecid: 10, audiodatarate: audioKbps });
    opened.send(FLV_SCRIPT, 0, encodeAmf0("@setDataFrame", "onMetaData", meta));
    waitingKeyframe = true;
    for (const kind of ["video", "audio"] as const) {
      const header = headers[kind];
      if (header) send(kind, header, Math.max(feeds[kind]?.last ?? 0, 0));
    }
    log.success(`publishing to ${where}`);
    report(true);
    const reason = await opened.closed;
    bytesBefore += opened.written();
    connection = undefined;
    return reason;
  }

  async function loop(): Promise<void> {
    let first = true;
    while (!stopping.signal.aborted) {
      if (!first) restarts += 1;
      first = false;
      const started = performance.now();
      let reason: string;
      try {
        reason = await session();
      } catch (error) {
        reason = (error as Error).message;
      }
      if (stopping.signal.aborted) break;
      lastError = redact(reason, [target.streamKey]);
      report(false, lastError);
      failures = performance.now() - started >= (options.healthyMs ?? 10000) ? 1 : failures + 1;
      const delay = backoffDelay(failures - 1, options.backoff ?? broadcastBackoff, deps.random);
      log.warn(`${where}: ${lastError}; connecting again in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay, stopping.signal).catch(() => undefined);
    }
  }

  const stallMs = options.stallMs ?? 5000;
  let backedUpSince: number | undefined;
  const meter = setInterval(
    () => {
      const at = performance.now();
      if (at - sample.at >= 1000) {
        const bytes = totalBytes();
        kbps = ((bytes - sample.bytes) * 8) / (at - sample.at);
        sample = { at, bytes };
      }
      const backedUp = connection !== undefined && connection.buffered() > maxBuffered;
      backedUpSince = backedUp ? (backedUpSince ?? at) : undefined;
      if (connection && backedUpSince !== undefined && at - backedUpSince >= stallMs) {
        backedUpSince = undefined;
        connection.close(`the ingest took nothing for ${(stallMs / 1000).toFixed(1)} s (${connection.buffered()} bytes waiting): network down or ingest frozen`);
      }
    },
    Math.min(1000, Math.max(50, stallMs / 4)),
  );
  log.start(`broadcast to ${where}`);
  const running = loop();

  return {
    feed(kind) {
      const feed: Feed = { reader: new FlvReader(), last: feeds[kind]?.last ?? 0 };
      feeds[kind] = feed;
      let broken = false;
      return (chunk) => {
        if (broken || feeds[kind] !== feed) return;
        try {
          for (const tag of feed.reader.push(chunk)) take(kind, feed, tag);
        } catch (error) {
          broken = true;
          log.warn(`${kind}: ${(error as Error).message}; this feed is ignored until ffmpeg restarts`);
        }
      };
    },
    status() {
      const live = connection !== undefined && performance.now() - lastSentAt <= 3000;
      return { running: live, kbps: live ? kbps : undefined, restarts, lastError, bytes: totalBytes(), dropped };
    },
    async stop() {
      stopping.abort();
      clearInterval(meter);
      connection?.close();
      opening?.close();
      await running;
    },
  };
}
