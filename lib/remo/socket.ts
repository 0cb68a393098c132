/**
 * A websocket carrying Remo `{e, d}` frames. Adapter over the standard WebSocket global (built into Bun),
 * behind a small interface so the Remo link can be driven by any frame transport. Protocol-level pings
 * from the server are answered by the WebSocket implementation itself; ours (Bun's client can send them)
 * let the link notice a server that went silent.
 */
import { decodeFrame, encodeFrame, type RemoFrame } from "./protocol.ts";

export interface FrameSocket {
  send(e: string, d: unknown): void;
  /** A protocol-level ping: every server answers it, so silence afterwards means a dead connection. */
  ping(): void;
  close(): void;
}

interface FrameSocketEvents {
  open(): void;
  frame(frame: RemoFrame): void;
  /** The server said something: a frame, a ping or a pong. */
  heard(): void;
  /** Exactly once per socket, whether it failed to connect or closed later. */
  close(reason: string, code: number): void;
}

export type FrameSocketFactory = (url: string, events: FrameSocketEvents) => FrameSocket;

export const connectFrameSocket: FrameSocketFactory = (url, events) => {
  const socket = new WebSocket(url);
  let closed = false;
  let failure = "";
  socket.addEventListener("open", () => events.open());
  socket.addEventListener("ping", () => events.heard());
  socket.addEventListener("pong", () => events.heard());
  socket.addEventListener("message", (event) => {
    events.heard();
    const text = typeof event.data === "string" ? event.data : Buffer.from(event.data as ArrayBuffer).toString("utf8");
    const frame = decodeFrame(text);
    if (frame) events.frame(frame);
  });
  socket.addEventListener("error", (event) => {
    failure = (event as ErrorEvent).message || "websocket error";
  });
  socket.addEventListener("close", (event) => {
    if (closed) return;
    closed = true;
    events.close(failure || `closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`, event.code);
  });
  return {
    send(e, d) {
      if (socket.readyState === WebSocket.OPEN) socket.send(encodeFrame(e, d));
    },
    ping() {
      // Bun extends the standard WebSocket with ping(); the DOM typings do not know it
      if (socket.readyState === WebSocket.OPEN) (socket as unknown as { ping(): void }).ping();
    },
    close() {
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000, "bye");
    },
  };
};
