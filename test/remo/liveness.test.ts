import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { connect, type Socket } from "node:net";
import { createMessageSocketUpgrader, type MessageSocketUpgrader } from "../../lib/server/relay/ws-server.ts";

/**
 * Remo liveness on the server side: every robot socket is pinged; one that does not answer is dropped while
 * one that answers stays. (serve uses a 30 s period; here 400 ms so the test is quick and a loaded machine still answers in time.)
 */
let http: Server;
let upgrader: MessageSocketUpgrader;
let port = 0;
const closed: string[] = [];

beforeAll(async () => {
  upgrader = createMessageSocketUpgrader({ pingMs: 400 });
  http = createServer();
  http.on("upgrade", (req, socket, head) =>
    upgrader.upgrade(req, socket, head, (ws) => {
      const name = new URL(req.url ?? "/", "http://x").searchParams.get("who") ?? "";
      ws.onClose(() => closed.push(name));
    }),
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  port = (http.address() as { port: number }).port;
});

afterAll(async () => {
  upgrader.close();
  await new Promise((resolve) => http.close(resolve));
});

/** A websocket client that completes the handshake and then never reads a frame (so never answers a ping). */
function deafClient(): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        `GET /?who=deaf HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      socket.once("data", () => resolve(socket));
    });
  });
}

test("a socket that never answers pings is dropped; one that answers stays", async () => {
  const healthy = new WebSocket(`ws://127.0.0.1:${port}/?who=healthy`);
  await new Promise((resolve) => healthy.addEventListener("open", resolve, { once: true }));
  const deaf = await deafClient();
  const gone = new Promise((resolve) => deaf.once("close", resolve));
  await gone;
  expect(closed).toEqual(["deaf"]);
  expect(healthy.readyState).toBe(WebSocket.OPEN);
  healthy.close();
});
