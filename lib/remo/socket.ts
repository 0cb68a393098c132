/**
 * A websocket carrying Remo `{e, d}` frames. Adapter over the standard WebSocket global (built into Bun),
 * behind a small interface so the Remo link can be driven by any frame transport. Protocol-level pings
 * from the server are answered by the WebSocket implementation itself.
 */
import { decodeFrame, encodeFrame, type RemoFrame } from "./protocol.ts";

export interface FrameSocket {
  send(e: string, d: unknown): void;
  close(): void;
}

export interface FrameSocketEvents {
  open(): void;
  frame(frame: RemoFrame): void;
  /** Exactly once per socket, whether it failed to connect or closed later. */
  close(reason: string, code: number): void;
}

export type FrameSocketFactory = (url: string, events: FrameSocketEvents) => FrameSocket;

export const connectFrameSocket: FrameSocketFactory = (url, events) => {
  const socket = new WebSocket(url);
  let closed = false;
  let failure = "";
  socket.addEventListener("open", () => events.open());
  socket.addEventListener("message", (event) => {
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
    close() {
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000, "bye");
    },
  };
};
