import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";

/** The adapter for the `ws` package: a viewer's binary websocket as the relay sees it, and text sockets (Remo). */
export interface ViewerSocket {
  /** Send one binary frame; `flushed` runs once it has left our process (written to the kernel). */
  send(chunk: Uint8Array, flushed: () => void): void;
  /** Bytes accepted by send() but not yet written out, as the library counts them. */
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
  onClose(handler: () => void): void;
}

export interface WebSocketUpgrader {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, onOpen: (socket: ViewerSocket) => void): void;
  close(): void;
}

export function createWebSocketUpgrader(): WebSocketUpgrader {
  // viewers only receive; anything they send is ignored and kept small
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4096, clientTracking: true });
  return {
    upgrade(req, socket, head, onOpen) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.binaryType = "nodebuffer";
        onOpen({
          send: (chunk, flushed) => ws.send(chunk, { binary: true }, () => flushed()),
          get bufferedAmount() {
            return ws.bufferedAmount;
          },
          close: (code, reason) => ws.close(code, reason),
          terminate: () => ws.terminate(),
          onClose: (handler) => {
            ws.on("close", handler);
            ws.on("error", () => ws.terminate());
          },
        });
      });
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/** A text websocket (the Remo endpoint): JSON frames both ways, protocol pings for liveness. */
export interface MessageSocket {
  readonly address: string;
  send(text: string): void;
  onMessage(handler: (text: string) => void): void;
  /** Once, whatever ended it. */
  onClose(handler: (code: number) => void): void;
  close(code: number, reason: string): void;
}

export interface MessageSocketUpgrader {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, onOpen: (socket: MessageSocket) => void): void;
  close(): void;
}

/** Text sockets that are pinged every `pingMs`; one that has not answered the previous ping is terminated. */
export function createMessageSocketUpgrader(options: { pingMs: number; maxPayload?: number }): MessageSocketUpgrader {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: options.maxPayload ?? 16 * 1024, clientTracking: true });
  const alive = new WeakSet<object>();
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.pingMs);
  pinger.unref?.();
  return {
    upgrade(req, socket, head, onOpen) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        alive.add(ws);
        ws.on("pong", () => alive.add(ws));
        ws.on("error", () => ws.terminate());
        onOpen({
          address: req.socket.remoteAddress ?? "",
          send: (text) => {
            if (ws.readyState === ws.OPEN) ws.send(text);
          },
          onMessage: (handler) => ws.on("message", (data, isBinary) => handler(isBinary ? "" : data.toString())),
          onClose: (handler) => ws.once("close", (code) => handler(code)),
          close: (code, reason) => ws.close(code, reason),
        });
      });
    },
    close() {
      clearInterval(pinger);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
