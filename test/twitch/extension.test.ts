import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import type { TwitchCommand } from "../../lib/twitch/commands.ts";
import { createExtensionBackend, createExtensionHandler } from "../../lib/twitch/extension-http.ts";
import { capturedLogger, commandQueue, twitchConfig } from "./helpers.ts";
import { channelId, clientId, panelOrigin, secret, sign, validToken, viewerClaims } from "./tokens.ts";

const log = createLogger("silent");
const extConfig = (overrides: Parameters<typeof twitchConfig>[0] = {}) =>
  twitchConfig({
    extension: true,
    ext_secret: secret,
    ext_client_id: clientId,
    ext_channel_id: channelId,
    ext_user_per_second: 2,
    aliases: { lights: "LED_ON" },
    mod_only: ["LED_ON"],
    ...overrides,
  });

let commands: ReturnType<typeof commandQueue>;
let failRobot = false;
const captured = capturedLogger();
/** Frozen, so rate limits never refill during a test (no timing dependence); tokens here expire in an hour. */
const frozenNow = Date.now();
const handler = createExtensionHandler(extConfig(), {
  log: captured.log,
  now: () => frozenNow,
  onCommand: (command: TwitchCommand) => {
    if (failRobot) throw new Error("robot offline");
    commands.onCommand(command);
  },
});
let server: ReturnType<typeof Bun.serve>;
let base = "";

beforeAll(() => {
  // a real HTTP server on loopback, with the handler mounted the way `serve` would mount it
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (request) => (await handler(request)) ?? new Response("someone else's route", { status: 404 }) });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));
beforeEach(() => {
  commands = commandQueue();
  failRobot = false;
});

const post = async (body: unknown, token?: string, origin = panelOrigin, path = "/twitch/ext/command") =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const corsOf = (response: Response) => {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith("access-control-") || name === "vary") out[name] = value;
  });
  return out;
};

describe("CORS preflight", () => {
  test("the panel's origin gets exactly the headers a browser needs", async () => {
    const response = await fetch(`${base}/twitch/ext/command`, {
      method: "OPTIONS",
      headers: { origin: panelOrigin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    expect(response.status).toBe(204);
    expect(corsOf(response)).toEqual({
      "access-control-allow-origin": panelOrigin,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "Authorization, Content-Type",
      "access-control-max-age": "600",
      vary: "Origin",
    });
    expect(await response.text()).toBe("");
  });

  test.each([
    ["another extension's origin", "https://someoneelse.ext-twitch.tv", "POST"],
    ["a look-alike origin", `https://${clientId}.ext-twitch.tv.evil.example`, "POST"],
    ["http instead of https", `http://${clientId}.ext-twitch.tv`, "POST"],
    ["a method we do not serve", panelOrigin, "DELETE"],
  ])("%s is refused without CORS grants", async (_name, origin, method) => {
    const response = await fetch(`${base}/twitch/ext/command`, { method: "OPTIONS", headers: { origin, "access-control-request-method": method } });
    expect(response.status).toBe(403);
    expect(corsOf(response)).toEqual({ vary: "Origin" });
  });
});

describe("POST /command", () => {
  test("a valid viewer token: 200, the callback gets the command, CORS headers on the answer", async () => {
    const response = await post({ command: "F", key_position: "down" }, await validToken());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, command: "F", key_position: "down" });
    expect(corsOf(response)).toEqual({ "access-control-allow-origin": panelOrigin, vary: "Origin" });
    expect(await commands.next()).toEqual({ source: "extension", command: "F", user: "U12345", userId: "98765", anonymous: false, mod: false, role: "viewer", keyPosition: "down" });
  });

  test.each([
    ["no token", async () => undefined, "missing_token"],
    ["a forged token", () => sign({ alg: "HS256" }, viewerClaims(), new Uint8Array(32)), "bad_signature"],
    ["an expired token", () => validToken({ exp: Math.floor(Date.now() / 1000) - 60 }), "expired"],
    ["another channel's token", () => validToken({ channel_id: "1" }), "wrong_channel"],
    ["alg none", () => sign({ alg: "none" }, viewerClaims()), "bad_alg"],
  ] as [string, () => Promise<string | undefined>, string][])("%s → 401 with a JSON error, readable by the panel", async (_name, make, error) => {
    const response = await post({ command: "F" }, await make());
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(response.headers.get("access-control-allow-origin")).toBe(panelOrigin);
    expect(await response.json()).toMatchObject({ ok: false, error });
    expect(commands.seen).toHaveLength(0);
  });

  test.each([
    ["an external (backend) token", { role: "external" }, { command: "F" }, 403, "role"],
    ["a logged-out viewer", { opaque_user_id: "A987" }, { command: "F" }, 403, "anonymous"],
    ["an unknown command", {}, { command: "self_destruct" }, 400, "unknown_command"],
    ["no command", {}, { key_position: "down" }, 400, "unknown_command"],
    ["a mod-only command from a viewer", {}, { command: "LED_ON" }, 403, "mod_only"],
  ] as [string, Record<string, unknown>, unknown, number, string][])("%s → %i %s", async (_name, claims, body, status, error) => {
    const response = await post(body, await validToken(claims));
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ ok: false, error });
    expect(commands.seen).toHaveLength(0);
  });

  test("bad JSON → 400, an oversized body → 413", async () => {
    const token = await validToken();
    expect((await post("{not json", token)).status).toBe(400);
    expect((await post({ command: "F", pad: "x".repeat(5000) }, token)).status).toBe(413);
  });

  test("a moderator may use mod-only commands, by alias too", async () => {
    const response = await post({ command: "lights" }, await validToken({ role: "moderator", opaque_user_id: "Umod" }));
    expect(response.status).toBe(200);
    expect(await commands.next()).toMatchObject({ command: "LED_ON", mod: true, role: "moderator", keyPosition: "" });
  });

  test("rate limit per opaque_user_id: 429 with Retry-After; releases and stop always pass; other viewers unaffected", async () => {
    const mine = await validToken({ opaque_user_id: "Uspammer" });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post({ command: "L", key_position: "down" }, mine)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await post({ command: "L", key_position: "down" }, mine);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ error: "rate_limited", retry_after_ms: expect.any(Number) });
    expect((await post({ command: "L", key_position: "up" }, mine)).status).toBe(200);
    expect((await post({ command: "stop" }, mine)).status).toBe(200);
    expect((await post({ command: "R" }, await validToken({ opaque_user_id: "Uother" }))).status).toBe(200);
    expect(commands.seen.map((c) => `${c.user} ${c.command} ${c.keyPosition}`)).toEqual([
      "Uspammer L down",
      "Uspammer L down",
      "Uspammer L up",
      "Uspammer stop ",
      "Uother R ",
    ]);
  });

  test("a robot that cannot take the command → 503", async () => {
    failRobot = true;
    const response = await post({ command: "B" }, await validToken({ opaque_user_id: "Uoffline" }));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: "robot_unavailable" });
  });

  test("a request from a foreign origin is refused even with a valid token", async () => {
    const response = await post({ command: "F" }, await validToken(), "https://evil.example");
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(commands.seen).toHaveLength(0);
  });

  test("the token never reaches the log", async () => {
    const token = await validToken({ opaque_user_id: "Ulogcheck" });
    await post({ command: "F" }, token);
    await post({ command: "F" }, `${token.slice(0, -4)}AAAA`);
    const signaturePart = token.split(".")[2] ?? "";
    expect(captured.text()).toContain("bad_signature");
    expect(captured.text()).not.toContain(signaturePart);
  });
});

describe("routes", () => {
  test("GET /status checks the token and lists the commands", async () => {
    const response = await fetch(`${base}/twitch/ext/status`, { headers: { origin: panelOrigin, authorization: `Bearer ${await validToken()}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { commands: string[]; role: string; mod_only: string[] };
    expect(body.role).toBe("viewer");
    expect(body.commands).toEqual(expect.arrayContaining(["F", "B", "L", "R", "stop", "LED_ON"]));
    expect(body.mod_only).toEqual(["led_on"]);
  });

  test("paths outside the prefix are left to the server; unknown ones inside get 404/405", async () => {
    expect(await (await fetch(`${base}/twitch/extra`)).text()).toBe("someone else's route");
    expect((await fetch(`${base}/twitch/ext/nope`, { headers: { origin: panelOrigin } })).status).toBe(404);
    const wrongMethod = await fetch(`${base}/twitch/ext/command`, { headers: { origin: panelOrigin } });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

describe("node:http adapter (as lib/server mounts it)", () => {
  let http: Server;
  let url = "";
  const queue = commandQueue();
  beforeAll(async () => {
    const backend = createExtensionBackend(extConfig({ ext_path: "/tw/" }), { log, onCommand: queue.onCommand });
    http = createServer((req, res) => {
      if (!backend.node(req, res)) res.writeHead(404).end("not ours");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  test("preflight, a valid command, a forged one, and fall-through", async () => {
    const pre = await fetch(`${url}/tw/command`, { method: "OPTIONS", headers: { origin: panelOrigin, "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toBe("Authorization, Content-Type");
    const ok = await fetch(`${url}/tw/command?x=1`, { method: "POST", headers: { origin: panelOrigin, authorization: `Bearer ${await validToken()}` }, body: '{"command":"R"}' });
    expect(ok.status).toBe(200);
    expect((await queue.next()).command).toBe("R");
    const forged = await fetch(`${url}/tw/command`, { method: "POST", headers: { authorization: `Bearer ${await sign({ alg: "HS256" }, viewerClaims(), new Uint8Array(32))}` }, body: '{"command":"R"}' });
    expect(forged.status).toBe(401);
    expect(await (await fetch(`${url}/other`)).text()).toBe("not ours");
    expect(queue.seen).toHaveLength(1);
  });
});

describe("configuration", () => {
  test.each([
    ["no secret", { ext_secret: "" }, /ext_secret is empty/],
    ["a secret that is not base64", { ext_secret: "not base64!" }, /not base64/],
    ["a short secret", { ext_secret: "c2hvcnQ=" }, /too short/],
    ["no channel id", { ext_channel_id: "" }, /numeric id/],
    ["no client id", { ext_client_id: "" }, /Client ID/],
    ["an origin with a path", { ext_origins: ["https://localhost:8080/panel.html"] }, /not an origin/],
    ["the root path", { ext_path: "/" }, /must not be \//],
  ] as [string, Parameters<typeof twitchConfig>[0], RegExp][])("%s → ConfigError", (_name, overrides, message) => {
    expect(() => createExtensionHandler(extConfig(overrides), { log, onCommand: () => undefined })).toThrow(ConfigError);
    expect(() => createExtensionHandler(extConfig(overrides), { log, onCommand: () => undefined })).toThrow(message);
  });

  test("extra origins (local test mode) are allowed exactly", async () => {
    const local = createExtensionHandler(extConfig({ ext_origins: ["https://localhost:8080"] }), { log, onCommand: () => undefined });
    const answer = await local(new Request("http://robot/twitch/ext/command", { method: "OPTIONS", headers: { origin: "https://localhost:8080", "access-control-request-method": "POST" } }));
    expect(answer?.status).toBe(204);
    expect(answer?.headers.get("access-control-allow-origin")).toBe("https://localhost:8080");
  });
});
