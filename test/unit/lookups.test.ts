import { describe, expect, test } from "bun:test";
import { ProtocolError } from "../../lib/errors.ts";
import { backoffDelay } from "../../lib/net/backoff.ts";
import { handshakeVersion } from "../../lib/net/handshake.ts";
import { classifyFetchError } from "../../lib/platform/http.ts";
import {
  lookupSpecs,
  normaliseAudioPort,
  normaliseHostPort,
  normaliseModerators,
  normaliseOwner,
  normaliseRelayHost,
  normaliseSettings,
  normaliseVideoPort,
  parsePort,
} from "../../lib/platform/lookups.ts";

describe("lookup quirks", () => {
  test.each([
    [{ mpeg_stream_port: 11225 }, 11225],
    [{ mpeg_stream_port: "11225" }, 11225],
    [{ port: 11225 }, 11225],
    [{ port: "8000", mpeg_stream_port: "11225" }, 11225],
  ])("video port %p → %p", (json, port) => expect(normaliseVideoPort(json)).toBe(port));

  test.each([
    [{ audio_stream_port: 11226 }, 11226],
    [{ audio_stream_port: " 11226 " }, 11226],
    [{ port: "11226" }, 11226],
  ])("audio port %p → %p", (json, port) => expect(normaliseAudioPort(json)).toBe(port));

  test.each([
    [{ host: "letsrobot.tv", port: "8022" }, { host: "letsrobot.tv", port: 8022 }],
    [{ host: "http://x.example/", port: 80 }, { host: "x.example", port: 80 }],
  ])("host/port %p", (json, expected) => expect(normaliseHostPort(json, "control")).toEqual(expected));

  test.each([
    [{}, 640, 480],
    [{ xres: "1280", yres: "720" }, 1280, 720],
    [{ xres: 0, yres: -1 }, 640, 480],
    [{ xres: 320 }, 320, 480],
  ])("settings %p → %px%p", (json, x, y) => {
    const s = normaliseSettings(json);
    expect([s.xres, s.yres]).toEqual([x, y]);
  });

  test("mic_enabled spellings", () => {
    expect(normaliseSettings({ mic_enabled: "1" }).micEnabled).toBe(true);
    expect(normaliseSettings({ mic_enabled: false }).micEnabled).toBe(false);
    expect(normaliseSettings({}).micEnabled).toBe(true);
  });

  test("relay host, owner and moderators", () => {
    expect(normaliseRelayHost({ host: "relay.example" })).toBe("relay.example");
    expect(normaliseOwner({ owner: "alice" })).toBe("alice");
    expect(normaliseModerators({ moderators: ["a", 1, "b"] })).toEqual(["a", "b"]);
    expect(normaliseModerators({})).toEqual([]);
  });

  test.each([[{ port: "abc" }], [{ port: 0 }], [{ port: 70000 }], [{ port: 1.5 }], [{}], [null], ["8000"]])("bad answer %p is a ProtocolError", (json) => {
    expect(() => normaliseVideoPort(json)).toThrow(ProtocolError);
  });

  test("parsePort message names the field", () => {
    expect(() => parsePort("x", "video.mpeg_stream_port")).toThrow(/video\.mpeg_stream_port: invalid port "x"/);
  });

  test("lookup paths: control asks version=2, ids are escaped", () => {
    const specs = lookupSpecs({ robotId: "12", cameraId: "3 4" });
    expect(specs.find((s) => s.name === "control")?.path).toBe("/get_control_host_port/12?version=2");
    expect(specs.find((s) => s.name === "video")?.path).toBe("/get_video_port/3%204");
    expect(specs.some((s) => s.name === "moderators")).toBe(false);
  });
});

describe("network errors are classified", () => {
  test.each([
    [{ code: "ENOTFOUND" }, /cannot resolve host robots\.example/],
    [{ code: "ECONNREFUSED" }, /connection refused by robots\.example:8080/],
    [{ name: "TimeoutError" }, /no answer from robots\.example:8080 within 500 ms/],
    [new Error("socket hang up"), /request to robots\.example:8080 failed: socket hang up/],
  ])("%p", (error, message) => {
    const classified = classifyFetchError("http://robots.example:8080/x", error, 500);
    expect(classified.message).toMatch(message);
    expect(classified.exitCode).toBe(20);
    expect(classified.hint).toBeTruthy();
  });
});

describe("backoff", () => {
  const options = { baseMs: 100, capMs: 1000, jitter: 0.5 };
  test.each([
    [0, 0.5, 100],
    [1, 0.5, 200],
    [3, 0.5, 800],
    [10, 0.5, 1000],
    [0, 0, 50],
    [0, 1, 150],
  ])("attempt %p random %p → %p ms", (attempt, r, ms) => expect(backoffDelay(attempt, options, () => r)).toBe(ms));
});

describe("engine.io handshake version", () => {
  test.each([
    ['0{"sid":"a","upgrades":["websocket"]}', 4],
    ['96:0{"sid":"a","upgrades":["websocket"]}2:40', 3],
    ["\u00000\u0009\u0006\u00ff0{}", 3],
    ["<html>", undefined],
  ])("%p → %p", (body, version) => expect(handshakeVersion(body)).toBe(version as 3 | 4 | undefined));
});
