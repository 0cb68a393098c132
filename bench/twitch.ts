/**
 * Added latency of the Twitch extension backend (issue 10: "sub-100 ms added latency").
 *
 *   bun bench/twitch.ts [requests-per-run] [runs]
 *
 * Three measurements, side by side in one process:
 *   1. in-process: handler(request) → onCommand, i.e. what verification, CORS, limits and parsing add;
 *   2. HTTP on 127.0.0.1 through node:http (how lib/server serves), ours vs a baseline route that calls
 *      onCommand without any checks; the difference is what the backend adds to a real request;
 *   3. the same through Bun.serve with the fetch-style handler;
 *   4. chat: a PRIVMSG from the local IRC-over-websocket test server → onCommand (limits off), next to a
 *      plain websocket round trip to the same server (PING → PONG) as the floor.
 * Prints median and p99 per run, then median/min/max over runs.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { defaults } from "../lib/config/schema.ts";
import { createLogger } from "../lib/log.ts";
import { createExtensionBackend } from "../lib/twitch/extension-http.ts";
import { startTwitchChat } from "../lib/twitch/chat.ts";
import { signExtensionToken } from "../lib/twitch/jwt.ts";
import { startIrcTestServer } from "../test/twitch/irc-server.ts";

const perRun = Number(process.argv[2] ?? 2000);
const runs = Number(process.argv[3] ?? 5);
const secret = randomBytes(32);
const origin = "https://benchclient.ext-twitch.tv";
const config = {
  ...defaults().twitch,
  extension: true,
  ext_secret: secret.toString("base64"),
  ext_client_id: "benchclient",
  ext_channel_id: "42",
  ext_user_per_second: 0,
};
const token = await signExtensionToken({ exp: Math.floor(Date.now() / 1000) + 3600, opaque_user_id: "Ubench", channel_id: "42", role: "viewer" }, secret);
const headers = { origin, authorization: `Bearer ${token}`, "content-type": "application/json" };
const body = JSON.stringify({ command: "F", key_position: "down" });

let received = 0;
let lastReceivedAt = 0;
const onCommand = () => {
  received += 1;
  lastReceivedAt = performance.now();
};
const backend = createExtensionBackend(config, { log: createLogger("silent"), onCommand });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

type Sample = { median: number; p99: number };
async function measure(once: () => Promise<number>): Promise<Sample> {
  for (let i = 0; i < 200; i++) await once(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < perRun; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return { median: percentile(times, 50), p99: percentile(times, 99) };
}

async function inProcess(): Promise<number> {
  const request = new Request("http://robot/twitch/ext/command", { method: "POST", headers, body });
  const start = performance.now();
  const before = received;
  const response = await backend.fetch(request);
  if (received !== before + 1 || response?.status !== 200) throw new Error(`in-process request failed: ${response?.status}`);
  return lastReceivedAt - start;
}

function nodeServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() })),
  );
}

/** A route that does no checking at all: reads the body and calls onCommand. The physical floor for ratio. */
function baselineNode(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const parsed = JSON.parse(Buffer.concat(chunks).toString()) as { command: string };
    onCommand();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, command: parsed.command }));
  });
}

async function overHttp(url: string): Promise<number> {
  const start = performance.now();
  const before = received;
  const response = await fetch(`${url}/twitch/ext/command`, { method: "POST", headers, body });
  await response.arrayBuffer();
  if (response.status !== 200 || received !== before + 1) throw new Error(`HTTP request failed: ${response.status}`);
  return lastReceivedAt - start;
}

const ours = await nodeServer((req, res) => {
  if (!backend.node(req, res)) res.writeHead(404).end();
});
const baseline = await nodeServer(baselineNode);
const bun = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (request) => (await backend.fetch(request)) ?? new Response(null, { status: 404 }) });
const bunUrl = `http://127.0.0.1:${bun.port}`;

const series: Record<string, Sample[]> = { "in-process handler": [], "node:http baseline (no checks)": [], "node:http extension backend": [], "Bun.serve extension backend": [] };
for (let run = 0; run < runs; run++) {
  series["in-process handler"]?.push(await measure(inProcess));
  series["node:http baseline (no checks)"]?.push(await measure(() => overHttp(baseline.url)));
  series["node:http extension backend"]?.push(await measure(() => overHttp(ours.url)));
  series["Bun.serve extension backend"]?.push(await measure(() => overHttp(bunUrl)));
}
ours.close();
baseline.close();
bun.stop(true);

// 4. chat path over a real websocket on loopback
const irc = await startIrcTestServer();
let chatWaiter: (() => void) | undefined;
const chat = await startTwitchChat(
  { ...defaults().twitch, chat: true, channel: "benchchan", irc_url: irc.url, user_cooldown_ms: 0, user_per_minute: 0, global_per_second: 0 },
  { log: createLogger("silent"), onCommand: () => chatWaiter?.() },
);
const chatOnce = () =>
  new Promise<number>((resolve) => {
    const start = performance.now();
    chatWaiter = () => resolve(performance.now() - start);
    irc.say("benchchan", { login: "bencher" }, "!f");
  });
const pingWs = new WebSocket(irc.url);
await new Promise((resolve) => pingWs.addEventListener("open", resolve, { once: true }));
const pingOnce = () =>
  new Promise<number>((resolve) => {
    const start = performance.now();
    pingWs.addEventListener("message", () => resolve(performance.now() - start), { once: true });
    pingWs.send("PING :bench\r\n");
  });
series["chat: websocket PING→PONG (floor)"] = [];
series["chat: PRIVMSG → onCommand"] = [];
for (let run = 0; run < runs; run++) {
  series["chat: websocket PING→PONG (floor)"]?.push(await measure(pingOnce));
  series["chat: PRIVMSG → onCommand"]?.push(await measure(chatOnce));
}
pingWs.close();
await chat.close();
await irc.close();

const fmt = (ms: number) => `${(ms * 1000).toFixed(0).padStart(6)} µs`;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${fmt(percentile(sorted, 50))}  min ${fmt(sorted[0] ?? Number.NaN)}  max ${fmt(sorted.at(-1) ?? Number.NaN)}`;
};
console.log(`request → onCommand, ${perRun} requests × ${runs} runs (per-run median and p99, then over runs)`);
for (const [name, samples] of Object.entries(series)) {
  console.log(`${name.padEnd(36)} p50: ${stats(samples.map((s) => s.median))}`);
  console.log(`${"".padEnd(36)} p99: ${stats(samples.map((s) => s.p99))}`);
}
const med = (name: string) => percentile([...(series[name] ?? []).map((s) => s.median)].sort((a, b) => a - b), 50);
const added = med("node:http extension backend") - med("node:http baseline (no checks)");
console.log(`added by the backend over node:http: ${fmt(added)} at p50 (ratio ${(med("node:http extension backend") / med("node:http baseline (no checks)")).toFixed(2)}×); target < 100 ms`);
