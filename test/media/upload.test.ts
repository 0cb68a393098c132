import { afterEach, describe, expect, test } from "bun:test";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { socketUploader, type Upload, uploadOverSocket } from "../../lib/media/upload.ts";
import { waitUntil } from "./helpers.ts";

/** The socket upload against raw TCP servers on 127.0.0.1 playing different relays. */
let server: Server | undefined;
const sockets: Socket[] = [];
let upload: Upload | undefined;
afterEach(async () => {
  upload?.abort();
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function relay(onConnection: (socket: Socket, received: () => string) => void): Promise<number> {
  server = createServer((socket) => {
    sockets.push(socket);
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString("latin1")));
    onConnection(socket, () => text);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function body() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return { stream, send: (text: string) => controller.enqueue(new TextEncoder().encode(text)), end: () => controller.close() };
}

/** Decode an HTTP/1.1 chunked body. */
function unchunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const line = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, line), 16);
    if (!(size > 0)) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}

describe("socket upload", () => {
  test("a chunked POST to the path, with the relay's acknowledgements visible", async () => {
    let received = () => "";
    const port = await relay((_socket, text) => (received = text));
    const b = body();
    upload = socketUploader(new URL(`http://127.0.0.1:${port}/s3cret/640/480/`), b.stream);
    b.send("hello ");
    b.send("relay");
    await waitUntil(() => received().includes("relay\r\n"), 3000, "both chunks");
    const [head, rest = ""] = received().split("\r\n\r\n", 2);
    expect(head?.split("\r\n")[0]).toBe("POST /s3cret/640/480/ HTTP/1.1");
    expect(head).toContain("Transfer-Encoding: chunked");
    expect(unchunk(rest)).toBe("hello relay");
    await waitUntil(() => upload?.delivery().queued === 0, 3000, "everything acknowledged");
    const delivery = upload.delivery();
    expect(delivery.acked).toBe(delivery.written);
  });

  test("extra headers (a Remo Bearer token) go in the request; header injection is refused", async () => {
    let received = () => "";
    const port = await relay((_socket, text) => (received = text));
    upload = uploadOverSocket(new URL(`http://127.0.0.1:${port}/transmit?name=7-video`), body().stream, { headers: { Authorization: "Bearer t0ken", "X-Evil": "a\r\nInjected: yes" } });
    await waitUntil(() => received().includes("\r\n\r\n"), 3000, "the request head");
    const head = received().split("\r\n\r\n")[0] ?? "";
    expect(head.split("\r\n")[0]).toBe("POST /transmit?name=7-video HTTP/1.1");
    expect(head).toContain("\r\nAuthorization: Bearer t0ken\r\n");
    expect(head).not.toContain("Injected");
  });

  test("a refusal ends it at once with the status", async () => {
    const port = await relay((socket) => socket.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\nwrong stream key\n"));
    upload = socketUploader(new URL(`http://127.0.0.1:${port}/bad/640/480/`), body().stream);
    expect(await upload.answered).toBe(403);
  });

  test("a relay that answers 200 early and keeps reading is still streaming; its close ends the upload", async () => {
    let connection: Socket | undefined;
    let received = () => "";
    const port = await relay((socket, text) => {
      connection = socket;
      received = text;
      socket.write("HTTP/1.1 200 OK\r\n\r\n");
    });
    const b = body();
    let settled = false;
    upload = socketUploader(new URL(`http://127.0.0.1:${port}/k/640/480/`), b.stream);
    upload.answered.then(() => (settled = true), () => (settled = true));
    b.send("one");
    await waitUntil(() => received().includes("one"), 3000, "the first chunk");
    b.send("two");
    await waitUntil(() => received().includes("two"), 3000, "a chunk after the early answer");
    expect(settled).toBe(false);
    connection?.end();
    expect(await upload.answered).toBe(200);
  });

  test("nothing listening: rejected with ECONNREFUSED", async () => {
    const port = await relay(() => {});
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    upload = socketUploader(new URL(`http://127.0.0.1:${port}/k/640/480/`), body().stream);
    await expect(upload.answered).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
