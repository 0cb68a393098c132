import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { defaults } from "../../lib/config/schema.ts";
import { RemoEvent } from "../../lib/remo/protocol.ts";
import { handleRequest, type RouteContext } from "../../lib/server/http/routes.ts";
import { assets } from "../../lib/server/page/assets.ts";
import { indexPage, viewerPage } from "../../lib/server/page/viewer-page.ts";
import { createRelay } from "../../lib/server/relay/relay.ts";
import { createRemoEndpoint } from "../../lib/server/remo/endpoint.ts";
import type { RobotRecord } from "../../lib/server/store/robot-record.ts";
import type { MessageSocket, ViewerSocket } from "../../lib/server/relay/ws-server.ts";
import { createExtensionCore } from "../../lib/twitch/extension.ts";
import { inProcessPlatform } from "../server/fake-socket.ts";
import { quietLog, tempDataDir } from "../server/helpers.ts";
import { fc, fuzzTimeout, json, payload, runs, wireHostile } from "./arbitraries.ts";

/**
 * Every inbound socket event and HTTP route, driven in-process (the same handlers `serve` registers, through
 * the same guard) with random, plausible and hostile payloads: every event is answered with `{ok: true}` or a
 * refusal `{ok: false, error, message}`, JSON payloads never make a handler throw (the guard's own reply
 * never appears), and routes always answer with a status.
 */
const data = tempDataDir();
let platform: Awaited<ReturnType<typeof inProcessPlatform>>;
let robot: RobotRecord;
let secrets: { robotKey: string; ownerToken: string; streamKey: string };
const options = { numRuns: runs };

beforeAll(async () => {
  platform = await inProcessPlatform(data.dir);
  const made = platform.store.ensureRobot({ name: "fuzzed", owner: "fay" });
  robot = made.robot;
  secrets = made.secrets;
  platform.store.ensureRobot({ name: "open", owner: "otto", requireKey: false });
});

afterAll(() => {
  platform.close();
  data.remove();
});

const plausible = () => ({ robotIds: [robot.id, Number(robot.id), "1", "99999999"], words: ["F", "down", "up", "", "hello", "fay", robot.cameraId, "LED_ON"] });
const guardCaught = "could not be handled";

type Answer = { ok: boolean; error?: unknown; message?: unknown };
function wellFormed(answer: unknown): asserts answer is Answer {
  expect(typeof answer).toBe("object");
  const a = answer as Answer;
  expect(typeof a.ok).toBe("boolean");
  if (!a.ok) {
    expect(typeof a.error).toBe("string");
    expect(typeof a.message).toBe("string");
  }
}

const roles = () => fc.constantFrom<Record<string, string>>({}, { name: "guest" }, { name: "fay" }, { token: secrets.ownerToken }, { token: "wrong" }, { robot_key: secrets.robotKey }, { robot_key: "wrong" });

/** Connect, send one event (with an ack, or without), check the answer, disconnect. */
function exercise(event: string, credentials: Record<string, string>, data: unknown, withAck: boolean, fromWire: boolean, identifyFirst = false): void {
  const socket = platform.connect(credentials);
  try {
    if (identifyFirst) socket.send("robot_id", robot.id);
    const answer = socket.send(event, data, withAck);
    if (withAck) {
      wellFormed(answer);
      if (fromWire) expect(String(answer.message ?? "")).not.toContain(guardCaught);
    } else {
      for (const r of socket.received.filter((x) => x.event === "error_event")) expect(JSON.stringify(r.data)).toBeString();
    }
  } finally {
    socket.disconnect();
  }
}

const events = {
  viewer: ["command_to_robot", "chat_message", "watch_robot", "custom_event"],
  robot: ["robot_id", "identify_robot_id", "send_video_status", "charge_state", "ip_information"],
  owner: ["set_exclusive_control", "remove_message", "update_robot", "set_moderators"],
};

describe("every inbound socket event", () => {
  for (const [side, names] of Object.entries(events)) {
    test(`${side} events (${names.join(", ")}): JSON from the wire never throws; every payload is answered`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...names), roles(), payload(plausible(), false), fc.boolean(), fc.boolean(), (event, credentials, data, withAck, identify) => exercise(event, credentials, data, withAck, true, identify)),
        options,
      );
    }, fuzzTimeout);
  }

  test("hostile in-process values (throwing getters, proxies, symbols) are caught by the guard on every event", () => {
    const all = [...events.viewer, ...events.robot, ...events.owner];
    fc.assert(
      fc.property(fc.constantFrom(...all), roles(), payload(plausible(), true), (event, credentials, data) => exercise(event, credentials, data, true, false)),
      options,
    );
  }, fuzzTimeout);

  test("the platform still serves a normal viewer afterwards", () => {
    const control = platform.connect({ robot_key: secrets.robotKey });
    expect(control.send("robot_id", robot.id)).toMatchObject({ ok: true });
    platform.hub.setExclusive(robot, null);
    const viewer = platform.connect({ name: "normal" });
    expect(viewer.send("command_to_robot", { robot_id: robot.id, command: "F" })).toMatchObject({ ok: true });
    expect(control.received.filter((r) => r.event === "command_to_robot").at(-1)?.data).toMatchObject({ command: "F", user: "normal" });
  });
});

/** A message socket (Remo robot side) that records what the server says. */
function remoSocket() {
  const said: string[] = [];
  let onMessage: (text: string) => void = () => {};
  const socket: MessageSocket = {
    address: "127.0.0.1",
    send: (text) => void said.push(text),
    onMessage: (handler) => void (onMessage = handler),
    onClose: () => {},
    close: () => {},
  };
  return { socket, said, message: (text: string) => onMessage(text) };
}

describe("Remo robot frames", () => {
  test("any text frame, before or after authenticating, is handled or refused with an ERROR frame", () => {
    const relay = createRelay({ log: quietLog(), upgrader: { upgrade() {}, close() {} } });
    const remo = createRemoEndpoint({ hub: platform.hub, relay, upgrader: { upgrade: (_q, _s, _h, open) => open(current.socket), close() {} } });
    let current = remoSocket();
    const frame = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.record({ e: fc.constantFrom(...Object.values(RemoEvent), "x"), d: fc.oneof(payload(plausible(), false), fc.constantFrom(`chan-${robot.id}`, `chat-${robot.id}`)) }).map((f) => JSON.stringify(f) ?? ""),
      wireHostile.map((d) => JSON.stringify({ e: RemoEvent.joinChannel, d }) ?? ""),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.array(frame, { maxLength: 4 }), (authenticate, frames) => {
        current = remoSocket();
        remo.upgrade({ url: "/" } as IncomingMessage, {} as Duplex, Buffer.alloc(0));
        if (authenticate) current.message(JSON.stringify({ e: RemoEvent.authenticate, d: { token: secrets.robotKey } }));
        for (const text of frames) current.message(text);
        for (const said of current.said) {
          const parsed = JSON.parse(said) as { e: string; d: unknown };
          expect(typeof parsed.e).toBe("string");
          if (parsed.e === RemoEvent.error) expect(String(parsed.d)).not.toContain(guardCaught);
        }
      }),
      options,
    );
    remo.close();
  }, fuzzTimeout);
});

/** A request and response pair for a route handler: the response records its status. */
function exchange(method: string, url: string, headers: Record<string, string>) {
  const req = Object.assign(new EventEmitter(), { method, url, headers, socket: { remoteAddress: "127.0.0.1" }, destroy() {}, setEncoding() {}, resume() {} }) as unknown as IncomingMessage;
  const result = { status: 0, body: "" };
  const res = {
    headersSent: false,
    writeHead(status: number) {
      result.status = status;
      res.headersSent = true;
      return res;
    },
    end(body?: string) {
      result.body = typeof body === "string" ? body : "";
      return res;
    },
    setHeader() {},
  } as unknown as ServerResponse & { headersSent: boolean };
  return { req, res, result };
}

describe("every HTTP route", () => {
  const paths = () =>
    fc.oneof(
      fc.constantFrom("/", "/healthz", "/api/status", `/robot/${robot.id}`, "/robot/1", `/get_control_host_port/${robot.id}`, `/get_video_port/${robot.cameraId}`, `/api/v1/robots/${robot.id}`, "/api/v1/accounts/fay", `/api/dev/channels/list/srv-${robot.id}`, "/transmit?name=x", "/assets/viewer.js", `/${secrets.streamKey}/640/480/`),
      fc.webPath(),
      fc.string({ unit: "binary", maxLength: 120 }).map((s) => `/${s}`),
      fc.tuple(fc.constantFrom("/get_control_host_port/", "/robot/", "/api/v1/accounts/", "/get_chat_host_port/", "/api/v1/channels/list/"), fc.string({ maxLength: 40 })).map(([a, b]) => a + b),
      fc.constantFrom("//[", "http://[::1", "/%", "/%E0%A4%A", "/robot/%00", "*", ""),
    );
  const methods = fc.constantFrom("GET", "HEAD", "POST", "PUT", "OPTIONS", "DELETE", "BREW");

  test("lookups, pages, status, uploads and the Remo routes always answer with a status, never throw", () => {
    const uploads: string[] = [];
    const relay = createRelay({ log: quietLog(), upgrader: { upgrade() {}, close() {} } });
    const remo = createRemoEndpoint({ hub: platform.hub, relay, upgrader: { upgrade() {}, close() {} } });
    const ctx: RouteContext = {
      directory: platform.store,
      host: "127.0.0.1",
      port: () => 8080,
      status: () => ({ ok: true }),
      indexPage: () => indexPage(platform.store.robots().map((r) => ({ robot: r, online: false, viewers: 0 }))),
      viewerPage: (id) => {
        const found = platform.store.robot(id);
        return found ? viewerPage(found) : undefined;
      },
      assets,
      ingest: (_req, res, key) => {
        uploads.push(key);
        res.writeHead(403).end();
      },
    };
    fc.assert(
      fc.property(methods, paths(), fc.dictionary(fc.constantFrom("host", "authorization", "origin", "content-length"), fc.string({ maxLength: 60 })), (method, url, headers) => {
        const { req, res, result } = exchange(method, url, headers);
        if (!remo.handleRequest(req, res)) handleRequest(req, res, ctx);
        req.emit("end"); // a body-reading route (Remo auth) gets an empty body
        if (result.status === 0) return; // Remo auth answers after reading the body, asynchronously
        expect(result.status).toBeGreaterThanOrEqual(200);
        expect(result.status).toBeLessThan(600);
        expect(result.body).not.toMatch(/\n\s+at /); // never a stack trace
        if (method === "POST") expect(result.body).not.toContain(secrets.streamKey); // an upload path is never echoed
      }),
      options,
    );
    remo.close();
  }, fuzzTimeout);

  test("the relay's upload path: any bytes in any chunking end in 415 or whole TS packets to viewers", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.constant(tsPackets(3))), { maxLength: 6 }), (chunks) => {
        let forwarded = 0;
        let misaligned = 0;
        const viewer: ViewerSocket = {
          send(chunk, flushed) {
            forwarded += chunk.length;
            if (chunk.length % 188 !== 0) misaligned += 1;
            for (let at = 0; at < chunk.length; at += 188) if (chunk[at] !== 0x47) misaligned += 1;
            flushed();
          },
          bufferedAmount: 0,
          close() {},
          terminate() {},
          onClose() {},
        };
        const relay = createRelay({ log: quietLog(), upgrader: { upgrade: (_q, _s, _h, open) => open(viewer), close() {} }, maxViewersPerAddress: 0 });
        const raw = Object.assign(new EventEmitter(), { end() {} }) as unknown as Duplex;
        relay.upgrade({ url: `/ws/stream/${robot.cameraId}`, socket: { remoteAddress: "127.0.0.1" } } as IncomingMessage, raw, Buffer.alloc(0), () => true);
        const { req, res, result } = exchange("POST", "/", {});
        relay.ingest(req, res, robot);
        for (const chunk of chunks) req.emit("data", Buffer.from(chunk));
        req.emit("end");
        expect([0, 200, 415]).toContain(result.status);
        expect(misaligned).toBe(0);
        if (result.status === 415) expect(forwarded).toBe(0);
        relay.close();
      }),
      options,
    );
  }, fuzzTimeout);

  test("Twitch extension routes: any method, path, origin, token and body get an answer", async () => {
    const config = { ...defaults().twitch, extension: true, ext_secret: Buffer.alloc(32, 7).toString("base64"), ext_client_id: "fuzzclient", ext_channel_id: "123" };
    const core = createExtensionCore(config, { log: quietLog(), onCommand: () => undefined });
    const base = core.plan.path.replace(/\/$/, "");
    await fc.assert(
      fc.asyncProperty(
        methods,
        fc.oneof(fc.constantFrom(`${base}/command`, `${base}/state`, base, `${base}/`), fc.webPath().map((p) => base + p)),
        fc.option(fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("Bearer a.b.c", "Bearer eyJhbGciOiJub25lIn0.e30.", "Basic x"))),
        fc.option(fc.constantFrom("https://fuzzclient.ext-twitch.tv", "https://evil.example", "null")),
        fc.oneof(json.map((v) => JSON.stringify(v) ?? ""), fc.string({ maxLength: 100 })),
        async (method, path, authorization, origin, body) => {
          const answer = await core.handle({ method, path, authorization: authorization ?? undefined, origin: origin ?? undefined, body: () => Promise.resolve(body) });
          expect(answer.status).toBeGreaterThanOrEqual(200);
          expect(answer.status).toBeLessThan(600);
        },
      ),
      options,
    );
  }, fuzzTimeout);
});

function tsPackets(count: number): Uint8Array {
  const out = new Uint8Array(188 * count).fill(0xff);
  for (let i = 0; i < count; i++) out.set([0x47, 0x41, 0x00, 0x10, 0x00, 0x00, 0x01, 0xe0], i * 188);
  return out;
}
