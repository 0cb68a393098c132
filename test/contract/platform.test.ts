import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { NetworkError, ProtocolError } from "../../lib/errors.ts";
import { probeSocket } from "../../lib/net/handshake.ts";
import { getJson } from "../../lib/platform/http.ts";
import { probeLookups, resolveEndpoints } from "../../lib/platform/client.ts";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";

let platform: FakePlatform;
beforeAll(async () => {
  platform = await startFakePlatform();
});
afterAll(() => platform.close());

const configFor = (server: string) => merge(defaults(), { platform: { server, robot_id: "100", camera_id: "200", retries: 0, timeout_ms: 2000 } }).platform;

describe("platform client against a real HTTP server on loopback", () => {
  test("resolves every endpoint through the quirks", async () => {
    const endpoints = await resolveEndpoints(configFor(platform.url), { fetch });
    expect(endpoints.control).toEqual({ host: "127.0.0.1", port: platform.port });
    expect(endpoints.relay).toEqual({ host: "127.0.0.1", videoPort: platform.port, audioPort: platform.port });
    expect(endpoints.owner).toBe("alice");
    expect(endpoints.moderators).toEqual(["bob", "carol"]);
    expect(endpoints.settings.xres).toBe(640);
    expect(endpoints.app).toEqual({ host: "127.0.0.1", port: platform.port });
    expect(platform.requests).toContain("/get_control_host_port/100?version=2");
  });

  test("unknown robot: the failing lookup reports HTTP 404 with a hint", async () => {
    const results = await probeLookups({ ...configFor(platform.url), robot_id: "999" }, { fetch });
    const control = results.find((r) => r.name === "control");
    expect(control?.ok).toBe(false);
    expect(control?.error).toBeInstanceOf(ProtocolError);
    expect(control?.error?.message).toContain("HTTP 404");
  });

  test("malformed JSON is a protocol error quoting the body", async () => {
    platform.routes.set("/bad-json", () => ({ status: 200, body: "<html>oops" }));
    await expect(getJson(`${platform.url}/bad-json`, { fetch, timeoutMs: 1000, retries: 0 })).rejects.toThrow(/malformed JSON: "<html>oops"/);
  });

  test("5xx answers are retried, then succeed", async () => {
    let calls = 0;
    platform.routes.set("/flaky", () => (++calls < 3 ? { status: 503, body: "busy" } : { status: 200, body: '{"ok":1}' }));
    const retries: number[] = [];
    const json = await getJson(`${platform.url}/flaky`, { fetch, timeoutMs: 1000, retries: 3, backoff: { baseMs: 1, capMs: 5, jitter: 0 }, onRetry: (n) => retries.push(n) });
    expect(json).toEqual({ ok: 1 });
    expect(retries).toEqual([1, 2]);
  });

  test("a refused connection is a network error naming host and port", async () => {
    const closed = await startFakePlatform();
    const url = closed.url;
    await closed.close();
    const error = await getJson(`${url}/x`, { fetch, timeoutMs: 1000, retries: 1, backoff: { baseMs: 1, capMs: 1, jitter: 0 } }).then(() => new Error("no error"), (e: Error) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toBe(`connection refused by ${new URL(url).host}`);
  });

  test("a server that never answers times out", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>(() => {}) });
    const error = await getJson(`http://127.0.0.1:${server.port}/x`, { fetch, timeoutMs: 150, retries: 0 }).then(() => new Error("no error"), (e: Error) => e);
    server.stop(true);
    expect(error.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 150 ms/);
  });

  test("socket handshake reports both Engine.IO versions of a socket.io 4 server with allowEIO3", async () => {
    const result = await probeSocket({ host: "127.0.0.1", port: platform.port }, { fetch, timeoutMs: 2000 });
    expect(result.ok).toBe(true);
    expect(result.engineIo).toEqual([3, 4]);
  });
});
