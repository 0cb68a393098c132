import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { hostname, networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { binary, cleanEnv, collectText } from "../helpers/cli.ts";
import { decodeTerminalQr, qrLines } from "../helpers/qr-decode.ts";
import { until } from "../robot/harness.ts";
import { childPids } from "../robot/run-process.ts";

/** Every address a phone on this machine's networks could use (link-local IPv6 needs a zone no browser takes). */
function interfaceHosts(): string[] {
  const hosts: string[] = [];
  for (const a of Object.values(networkInterfaces()).flat()) {
    if (!a || a.internal) continue;
    if (a.family === "IPv6" && /^fe[89ab][0-9a-f]:/i.test(a.address)) continue;
    hosts.push(a.family === "IPv6" ? `[${a.address}]` : a.address);
  }
  return hosts;
}

/** What `run` on the LAN default should print, in order: IPv4, IPv6, NAME.local, 127.0.0.1. */
function expectedHosts(): string[] {
  const lan = interfaceHosts();
  const name = hostname() === "localhost" ? [] : [hostname().includes(".") ? hostname() : `${hostname()}.local`];
  return [...lan.filter((h) => !h.startsWith("[")), ...lan.filter((h) => h.startsWith("[")), ...name, "127.0.0.1"];
}

test("run on the LAN default prints the viewer page at every interface address, NAME.local and 127.0.0.1, and a QR code of the first", async () => {
  const env = cleanEnv({ LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" });
  delete env.LETSROBOT_SERVER_HOST; // the default: every interface
  // `script` gives the binary a terminal: the QR code is printed only there. Stdout and stderr share it.
  const child = Bun.spawn(["script", "-qefc", `exec ${binary} run --port 0`, "/dev/null"], { env, cwd: mkdtempSync(join(tmpdir(), "letsrobot-lan-")), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output = collectText(child.stdout);
  try {
    await until(() => output().includes("your robot is live"), 20_000, "the robot online");
    const text = output();
    const lines = text.split(/\r?\n/);
    const urls = lines.filter((line) => /^http:\/\/\S+\/robot\/\d+$/.test(line));
    const hosts = urls.map((url) => new URL(url).hostname);
    const ports = new Set(urls.map((url) => new URL(url).port));
    const paths = new Set(urls.map((url) => new URL(url).pathname));
    expect(ports.size).toBe(1);
    expect(paths.size).toBe(1);
    expect(hosts).toEqual(expectedHosts());
    // the owner link and the QR code use the first (a LAN address when the machine has one)
    expect(lines.find((line) => line.startsWith("owner: "))).toStartWith(`owner: ${urls[0]}#token=`);
    expect(decodeTerminalQr(qrLines(text))).toBe(urls[0]);
    // the only traffic: over loopback, where the same page is served
    const local = urls.find((url) => url.startsWith("http://127.0.0.1:"));
    const page = await fetch(local ?? "");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
  } finally {
    for (const pid of await childPids(child.pid)) process.kill(pid, "SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    expect(await child.exited).toBe(130);
    clearTimeout(timer);
  }
}, 40_000);

test("serve --host 0.0.0.0 prints a URL per IPv4 interface address, NAME.local and 127.0.0.1 (not 127.0.0.1 alone)", async () => {
  const child = Bun.spawn([binary, "serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", mkdtempSync(join(tmpdir(), "letsrobot-lan-serve-"))], { env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output = collectText(child.stdout);
  try {
    await until(() => output().includes("http://127.0.0.1:"), 15_000, "the URLs on stdout");
    const urls = output().split("\n").filter((line) => line.startsWith("http://"));
    expect(urls.map((url) => new URL(url).hostname)).toEqual(expectedHosts().filter((h) => !h.startsWith("["))); // IPv4 only
    const status = await fetch(`${urls.at(-1)}/api/status`);
    expect(status.status).toBe(200);
  } finally {
    child.kill("SIGINT");
    await child.exited;
  }
}, 30_000);

test("without a terminal (a pipe, the journal) run prints the same URLs but no QR code", async () => {
  const env = cleanEnv({ LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" });
  delete env.LETSROBOT_SERVER_HOST;
  const child = Bun.spawn([binary, "run", "--port", "0"], { env, cwd: mkdtempSync(join(tmpdir(), "letsrobot-lan-")), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output = collectText(child.stdout);
  const errors = collectText(child.stderr);
  try {
    await until(() => errors().includes("your robot is live"), 20_000, "the robot online");
    const urls = output().split("\n").filter((line) => /^http:\/\/\S+\/robot\/\d+$/.test(line));
    expect(urls.map((url) => new URL(url).hostname)).toEqual(expectedHosts());
    expect(qrLines(output() + errors())).toEqual([]);
  } finally {
    child.kill("SIGINT");
    await child.exited;
  }
}, 30_000);
