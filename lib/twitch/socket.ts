/**
 * A websocket carrying IRC lines, as Twitch chat offers it (one or more `\r\n`-terminated lines per text
 * frame). Adapter over the standard WebSocket global (built into Bun), behind a small interface so the
 * chat client can be driven by any line transport.
 */
import { splitLines } from "./irc.ts";

export interface LineSocket {
  send(line: string): void;
  close(): void;
}

interface LineSocketEvents {
  open(): void;
  line(line: string): void;
  /** Exactly once per socket, whether it failed to connect or closed later. */
  close(reason: string): void;
}

export type LineSocketFactory = (url: string, events: LineSocketEvents) => LineSocket;

export const connectLineSocket: LineSocketFactory = (url, events) => {
  const socket = new WebSocket(url);
  let closed = false;
  let failure = "";
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    events.close(reason);
  };
  socket.addEventListener("open", () => events.open());
  socket.addEventListener("message", (event) => {
    const data = typeof event.data === "string" ? event.data : Buffer.from(event.data as ArrayBuffer).toString("utf8");
    for (const line of splitLines(data)) events.line(line);
  });
  socket.addEventListener("error", (event) => {
    failure = (event as ErrorEvent).message || "websocket error";
  });
  socket.addEventListener("close", (event) => finish(failure || `closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`));
  return {
    send(line) {
      if (socket.readyState === WebSocket.OPEN) socket.send(`${line}\r\n`);
    },
    close() {
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close(1000, "bye");
    },
  };
};
