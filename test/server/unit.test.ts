import { describe, expect, test } from "bun:test";
import { answerLookup, hostFromHeader, type LookupDirectory } from "../../lib/server/http/lookups.ts";
import { escapeHtml, viewerPage } from "../../lib/server/page/viewer-page.ts";
import { defaultButtons, defaultSettings, mergeSettings, parseButtons, type RobotRecord } from "../../lib/server/store/robot-record.ts";
import { sniffStreamKind } from "../../lib/server/relay/ts-sniff.ts";
import { cleanChatText, parseChat, parseCommand } from "../../lib/server/sockets/viewer-messages.ts";

function packet(options: { pusi?: boolean; pid?: number; adaptation?: number; payload?: number[] }): Uint8Array {
  const p = new Uint8Array(188).fill(0xff);
  const pid = options.pid ?? 0x100;
  p[0] = 0x47;
  p[1] = (options.pusi === false ? 0 : 0x40) | ((pid >> 8) & 0x1f);
  p[2] = pid & 0xff;
  p[3] = ((options.adaptation ?? 1) << 4) | 0;
  let at = 4;
  if (options.adaptation === 3) {
    p[4] = 7;
    at = 12;
  }
  p.set(options.payload ?? [], at);
  return p;
}
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const pat = packet({ pid: 0, payload: [0, 0, 0xb0, 0x0d] });
const pmt = packet({ pid: 0x1000, payload: [0, 2, 0xb0, 0x17] });

describe("sniffStreamKind", () => {
  const cases: [string, Uint8Array, ReturnType<typeof sniffStreamKind>][] = [
    ["video PES after PAT and PMT", join(pat, pmt, packet({ payload: [0, 0, 1, 0xe0] })), "video"],
    ["audio PES", join(pat, pmt, packet({ payload: [0, 0, 1, 0xc0] })), "audio"],
    ["video PES behind an adaptation field", join(pat, packet({ adaptation: 3, payload: [0, 0, 1, 0xe0] })), "video"],
    ["only tables so far", join(pat, pmt), "unknown"],
    ["half a packet", pat.slice(0, 100), "unknown"],
    ["continuation packets only", packet({ pusi: false, payload: [0, 0, 1, 0xe0] }), "unknown"],
    ["not MPEG-TS", new TextEncoder().encode("GET / HTTP/1.1\r\n".repeat(40)), "invalid"],
    ["lost sync", join(pat, new Uint8Array(188)), "invalid"],
  ];
  for (const [name, bytes, kind] of cases) test(name, () => expect(sniffStreamKind(bytes)).toBe(kind));
});

describe("viewer payloads", () => {
  const ok = (robot_id: unknown, command: unknown, key_position?: unknown) => parseCommand({ robot_id, command, key_position });
  test.each([
    [ok("12", "F"), { robotId: "12", command: "F", keyPosition: "" }],
    [ok(12, "mousedown:10:20", "down"), { robotId: "12", command: "mousedown:10:20", keyPosition: "down" }],
    [ok("12", "F", "up"), { robotId: "12", command: "F", keyPosition: "up" }],
  ])("accepts %#", (input, expected) => expect(input).toEqual(expected as never));
  test.each([
    [null],
    ["F"],
    [{ robot_id: "12" }],
    [{ robot_id: "../x", command: "F" }],
    [{ robot_id: "12", command: "F F" }],
    [{ robot_id: "12", command: "<script>" }],
    [{ robot_id: "12", command: "F", key_position: "DOWN" }],
    [{ robot_id: "12", command: 5 }],
  ])("refuses %j", (input) => expect(parseCommand(input)).toMatchObject({ ok: false, error: "invalid" }));
  test("chat text is cleaned and bounded", () => {
    expect(cleanChatText(" a\u0000b\u202e c\n\nd ")).toBe("a b c d");
    expect(parseChat({ robot_id: "1", message: "x".repeat(500) })).toMatchObject({ message: "x".repeat(500) });
    expect(parseChat({ robot_id: "1", message: "x".repeat(501) })).toMatchObject({ ok: false });
    expect(parseChat({ robot_id: "1", message: ["hi"] })).toMatchObject({ ok: false, error: "invalid" });
  });
});

const robot: RobotRecord = { id: "11", cameraId: "22", name: "bot", owner: "ann", requireKey: false, settings: defaultSettings, buttons: defaultButtons, createdAt: 0 };
const dir: LookupDirectory = {
  robot: (id) => (id === "11" ? robot : undefined),
  robotByCamera: (id) => (id === "22" ? robot : undefined),
  moderators: (owner) => (owner === "ann" ? ["mo"] : undefined),
};
const ports = { host: "robots.lan", socketPort: 8080, ingestPort: 8080 };

describe("lookup answers", () => {
  test.each([
    ["/get_control_host_port/11", 200, { host: "robots.lan", port: 8080 }],
    ["/get_chat_host_port/11", 200, { host: "robots.lan", port: 8080 }],
    ["/get_websocket_relay_host/22", 200, { host: "robots.lan" }],
    ["/get_video_port/22", 200, { mpeg_stream_port: 8080, port: 8080 }],
    ["/get_audio_port/22", 200, { audio_stream_port: 8080, port: 8080 }],
    ["/get_robot_owner/11", 200, { owner: "ann" }],
    ["/api/v1/accounts/ann", 200, { username: "ann", moderators: ["mo"] }],
    ["/get_video_port/11", 404, undefined],
    ["/get_control_host_port/22", 404, undefined],
    ["/api/v1/accounts/nobody", 404, undefined],
  ])("%s → %d", (path, status, body) => {
    const answer = answerLookup(path, dir, ports);
    expect(answer?.status).toBe(status);
    if (body) expect(answer?.body).toEqual(body);
  });
  test("not a lookup", () => expect(answerLookup("/robot/11", dir, ports)).toBeUndefined());
  test.each([
    [undefined, "127.0.0.1"],
    ["robots.lan:8080", "robots.lan"],
    ["192.168.1.5", "192.168.1.5"],
    ["[::1]:8080", "[::1]"],
    ["evil\"<x>:80", "127.0.0.1"],
  ])("host header %p → %p", (header, host) => expect(hostFromHeader(header, "127.0.0.1")).toBe(host));
});

describe("robot settings and layout", () => {
  test("settings merge checks types and rejects unknown keys", () => {
    expect(mergeSettings(defaultSettings, { xres: 320, mic_enabled: false })).toMatchObject({ xres: 320, yres: 480, mic_enabled: false });
    expect(mergeSettings(defaultSettings, { xres: 5 })).toContain("xres");
    expect(mergeSettings(defaultSettings, { colour: "red" })).toContain("unknown setting colour");
    expect(mergeSettings(defaultSettings, [])).toContain("object");
  });
  test("button layouts are validated", () => {
    expect(parseButtons([{ label: "Go", command: "F", keys: ["w", "ArrowUp"] }])).toEqual([{ label: "Go", command: "F", keys: ["w", "ArrowUp"] }]);
    expect(parseButtons([{ label: "", command: "F" }])).toContain("label");
    expect(parseButtons([{ label: "x", command: "rm -rf" }])).toContain("not valid");
    expect(parseButtons("F")).toContain("list");
  });
  test("the page escapes what it prints", () => {
    expect(escapeHtml(`<a href="x">'&`)).toBe("&#60;a href=&#34;x&#34;&#62;&#39;&#38;");
    const page = viewerPage({ ...robot, buttons: [{ label: "</script><script>alert(1)</script>", command: "F" }] });
    expect(page).not.toContain("</script><script>alert(1)");
  });
});
