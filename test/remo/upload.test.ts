import { afterEach, expect, test } from "bun:test";
import { remoUploader } from "../../lib/remo/media.ts";
import { until } from "../server/helpers.ts";

/** The Remo upload path against a real HTTP server on 127.0.0.1: URL, Bearer key, and the relay's acknowledgements seen. */
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

function bodyOf(chunks: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ >= chunks) return controller.close();
      controller.enqueue(new Uint8Array(188 * 64).fill(0x47));
    },
  });
}

test("an http transmit URL is uploaded over our own socket: channel name, Bearer key, and the relay's TCP acknowledgements in delivery()", async () => {
  const seen: { url: string; authorization: string | null; bytes: number }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const entry = { url: req.url, authorization: req.headers.get("authorization"), bytes: 0 };
      seen.push(entry);
      const reader = req.body?.getReader();
      for (let part = await reader?.read(); part && !part.done; part = await reader?.read()) entry.bytes += part.value.byteLength;
      return new Response("ok");
    },
  });
  stops.push(() => server.stop(true));
  const uploader = remoUploader("video", { transmit: `http://127.0.0.1:${server.port}/`, channelId: () => "chan-rover", robotKey: "robot-key" }, fetch);
  const upload = uploader(new URL("http://ignored.invalid/"), bodyOf(1_000_000));
  await until(() => (seen[0]?.bytes ?? 0) > 188 * 64, 5000, "bytes at the server");
  expect(new URL(seen[0]?.url ?? "").search).toBe("?name=chan-rover-video");
  expect(seen[0]?.authorization).toBe("Bearer robot-key");
  // mid-stream, only the socket uploader can say what the relay has acknowledged (the fetch one knows only what it wrote)
  expect(upload.delivery()).toHaveProperty("acked");
  upload.abort();
  await expect(upload.answered).rejects.toThrow("aborted");
});

test("before the robot has joined a channel the upload fails at once", async () => {
  const uploader = remoUploader("audio", { transmit: "http://127.0.0.1:9/", channelId: () => undefined, robotKey: "k" }, fetch);
  await expect(uploader(new URL("http://ignored.invalid/"), bodyOf(1)).answered).rejects.toThrow("not joined");
});
