import { describe, expect, test } from "bun:test";
import { terminalQr } from "../../lib/qr.ts";
import { type NetworkView, reachableHosts } from "../../lib/server/http/reachable.ts";
import { decodeTerminalQr, qrLines } from "../helpers/qr-decode.ts";

const pi: NetworkView = {
  hostname: "rover",
  interfaces: {
    lo: [
      { address: "127.0.0.1", family: "IPv4", internal: true },
      { address: "::1", family: "IPv6", internal: true },
    ],
    wlan0: [
      { address: "fe80::1234:5678:9abc:def0", family: "IPv6", internal: false },
      { address: "2001:db8::7", family: "IPv6", internal: false },
      { address: "192.168.1.23", family: "IPv4", internal: false },
    ],
    eth0: [{ address: "10.0.0.5", family: 4, internal: false }],
    usb0: undefined,
  },
};

describe("reachableHosts", () => {
  test.each([
    ["::", pi, ["192.168.1.23", "10.0.0.5", "[2001:db8::7]", "rover.local", "127.0.0.1"]],
    ["", pi, ["192.168.1.23", "10.0.0.5", "[2001:db8::7]", "rover.local", "127.0.0.1"]],
    ["0.0.0.0", pi, ["192.168.1.23", "10.0.0.5", "rover.local", "127.0.0.1"]],
    ["127.0.0.1", pi, ["127.0.0.1"]],
    ["192.168.1.23", pi, ["192.168.1.23"]],
    ["::1", pi, ["[::1]"]],
    ["::", { ...pi, hostname: "rover.example.org" }, ["192.168.1.23", "10.0.0.5", "[2001:db8::7]", "rover.example.org", "127.0.0.1"]],
    ["::", { ...pi, hostname: "localhost" }, ["192.168.1.23", "10.0.0.5", "[2001:db8::7]", "127.0.0.1"]],
    ["::", { hostname: "", interfaces: { lo: pi.interfaces.lo } }, ["127.0.0.1"]],
    ["::", { hostname: "x", interfaces: { a: [{ address: "10.0.0.5", family: "IPv4", internal: false }], b: [{ address: "10.0.0.5", family: "IPv4", internal: false }] } }, ["10.0.0.5", "x.local", "127.0.0.1"]],
  ] as [string, NetworkView, string[]][])("listening on %p", (host, network, expected) => {
    expect(reachableHosts(host, network)).toEqual(expected);
  });
});

describe("terminalQr", () => {
  test.each(["http://192.168.1.23:8080/robot/12345678", "http://[2001:db8::7]:8080/robot/1", `http://rover.local:8080/robot/${"9".repeat(60)}`])("%p decodes back, fits an 80-column terminal", (url) => {
    const lines = qrLines(terminalQr(url));
    expect(decodeTerminalQr(lines)).toBe(url);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(80);
  });

  test("the decoder is not fooled: a damaged code does not decode", () => {
    const lines = qrLines(terminalQr("http://192.168.1.23:8080/robot/12345678"));
    const damaged = lines.map((line, i) => (i >= 2 && i < 10 ? " ".repeat(line.length) : line));
    expect(decodeTerminalQr(damaged)).toBeUndefined();
  });
});
