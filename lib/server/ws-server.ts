import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";

/** The adapter for the `ws` package: a viewer's binary websocket as the relay sees it. */
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
