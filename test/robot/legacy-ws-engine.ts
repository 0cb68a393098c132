import { WebSocketServer } from "ws";

/**
 * Under Bun, `ws` is Bun's own implementation with ws 8 semantics: text frames arrive as Buffers. The
 * socket.io 2.x server (engine.io 3) expects ws 7 semantics (text as strings) and silently drops what it
 * cannot parse. This engine hands text frames over as strings, so the real 2.x server works in our tests.
 */
export class Server extends WebSocketServer {
  override handleUpgrade(...args: Parameters<WebSocketServer["handleUpgrade"]>): void {
    const [req, socket, head, done] = args;
    super.handleUpgrade(req, socket, head, (ws, request) => {
      const on = ws.on.bind(ws);
      (ws as unknown as { on: (event: string, listener: (...a: unknown[]) => void) => unknown }).on = (event, listener) =>
        event === "message" ? on("message", (data: Buffer, isBinary: boolean) => listener(isBinary ? data : data.toString())) : on(event as "close", listener as () => void);
      done(ws, request);
    });
  }
}
