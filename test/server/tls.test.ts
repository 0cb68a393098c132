import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { createServer } from "node:http";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { runProcess } from "../../lib/process/run.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { machineNames, selfSignedIdentity, type TlsIdentity } from "../../lib/server/tls/identity.ts";
import { shareWithTls } from "../../lib/server/tls/port.ts";
import { Eio3BinaryClient } from "../helpers/eio3-binary-client.ts";
import { binary, cleanEnv, runCli, textUntilNewline } from "../helpers/cli.ts";
import { pushTestStream } from "./ffmpeg.ts";
import { connect, emitAck, startTestPlatform, tempDataDir, until } from "./helpers.ts";

// TLS on serve's one port: lookups, robot sockets, relay upload and viewer websocket over HTTPS/WSS with a
// self-signed certificate, plain HTTP still beside it, and a clear error for a client that does not trust it.
const data = tempDataDir();
const opened: SocketChannel[] = [];
const closers: (() => void)[] = [];
let identity: TlsIdentity;
let platform: Platform;
let robot: RobotCredentials;
let https: string;
let tls: { ca: string };

beforeAll(async () => {
  identity = await selfSignedIdentity(data.dir, ["localhost", "127.0.0.1"], runProcess);
  tls = { ca: identity.cert };
  platform = await startTestPlatform(data.dir, { tls: identity });
  robot = await platform.ensureRobot({ name: "secure", owner: "sam", requireKey: false });
  https = platform.url;
});

afterAll(async () => {
  for (const close of closers) close();
  for (const c of opened) c.close();
  await platform.close();
  data.remove();
});

describe("the self-signed certificate", () => {
  test("is kept in the data dir (key mode 600), reused while it names every address, remade when one is missing", async () => {
    expect(identity.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(statSync(join(data.dir, "tls", "key.pem")).mode & 0o777).toBe(0o600);
    const again = await selfSignedIdentity(data.dir, ["localhost", "127.0.0.1"], runProcess);
    expect(again).toMatchObject({ renewed: false, fingerprint: identity.fingerprint });
    const other = tempDataDir();
    try {
      const first = await selfSignedIdentity(other.dir, ["localhost"], runProcess);
      const wider = await selfSignedIdentity(other.dir, ["localhost", "10.9.8.7"], runProcess);
      expect(wider.renewed).toBe(true);
      expect(wider.fingerprint).not.toBe(first.fingerprint);
      // 30 days before it expires (valid 825 days) it is made anew; a day earlier it is kept
      const day = 86_400_000;
      expect((await selfSignedIdentity(other.dir, ["localhost"], runProcess, Date.now() + 790 * day)).renewed).toBe(false);
      expect((await selfSignedIdentity(other.dir, ["localhost"], runProcess, Date.now() + 800 * day)).renewed).toBe(true);
    } finally {
      other.remove();
    }
  });

  test("names this machine: loopback, localhost and the host name", () => {
    const names = machineNames({ hostname: "rover", interfaces: { eth0: [{ address: "192.168.1.20", family: "IPv4", internal: false }], lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }] } });
    expect(names).toEqual(["192.168.1.20", "rover.local", "127.0.0.1", "rover", "localhost", "::1"]);
  });
});

describe("HTTPS and WSS on serve's port", () => {
  test("lookups answer over HTTPS, and over plain HTTP on the same port, naming that port", async () => {
    expect(https).toStartWith("https://127.0.0.1:");
    const path = `/get_control_host_port/${robot.robotId}`;
    const secure = await fetch(`${https}${path}`, { tls } as RequestInit);
    expect(await secure.json()).toEqual({ host: "127.0.0.1", port: platform.port });
    const plain = await fetch(`http://127.0.0.1:${platform.port}${path}`);
    expect(await plain.json()).toEqual({ host: "127.0.0.1", port: platform.port });
  });

  test("a robot socket over HTTPS polling and WSS (binary-framed Engine.IO v3) identifies and gets commands", async () => {
    const control = new Eio3BinaryClient(https, { tls });
    closers.push(() => control.close());
    await control.handshake();
    await control.upgrade();
    await control.emit("robot_id", robot.robotId);
    await until(() => platform.status().robots[0]?.sockets.control === 1);
    const viewer = await connect(connectSocket, `http://127.0.0.1:${platform.port}`, { token: robot.ownerToken }, opened);
    expect(await emitAck(viewer, "command_to_robot", { robot_id: robot.robotId, command: "F", key_position: "" })).toMatchObject({ ok: true });
    expect(await control.next("command_to_robot")).toMatchObject({ command: "F" });
  });

  test("ffmpeg uploads video over HTTPS; a viewer websocket over WSS receives it", async () => {
    const received: number[] = [];
    const ws = new WebSocket(`${https.replace("https", "wss")}/ws/stream/${robot.cameraId}/video`, { tls } as unknown as string[]);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (m) => received.push((m.data as ArrayBuffer).byteLength);
    closers.push(() => ws.close());
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const pusher = pushTestStream("video", `${https}/${robot.streamKey}/640/480/`, { seconds: 10 });
    closers.push(pusher.stop);
    await until(() => received.reduce((a, b) => a + b, 0) > 188 * 50, 10_000, "video at the WSS viewer");
    expect(platform.status().robots[0]?.video_live).toBe(true);
    pusher.stop();
  });

  test("the viewer page is served over HTTPS", async () => {
    const page = await fetch(`${https}/robot/${robot.robotId}`, { tls } as RequestInit);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(robot.robotId);
  });

  test("a client that does not trust the certificate gets a clear error from probe, and from doctor once for every lookup", async () => {
    const flags = ["--server", https, "--robot-id", robot.robotId, "--camera-id", robot.cameraId];
    const { code, stderr } = await runCli(["probe", ...flags], { env: cleanEnv({ LETSROBOT_PLATFORM_RETRIES: "0" }) });
    expect(code).toBe(20);
    expect(stderr).toContain("self-signed and this machine does not trust it");
    expect(stderr).toContain("NODE_EXTRA_CA_CERTS");
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    const doctor = await runCli(["doctor", "--json", ...flags], { env: cleanEnv({ LETSROBOT_PLATFORM_RETRIES: "0" }) });
    const lookups = (JSON.parse(doctor.stdout) as { checks: { id: string; detail: string }[] }).checks.find((c) => c.id === "lookups");
    expect(lookups?.detail).toStartWith("control, chat, relay, video, audio: the TLS certificate of ");
    expect(lookups?.detail.split("does not trust it").length).toBe(2); // said once
  });

  test("trusting it (NODE_EXTRA_CA_CERTS) makes probe pass against the https server", async () => {
    const { code, stdout } = await runCli(["probe", "--json", "--server", https, "--robot-id", robot.robotId, "--camera-id", robot.cameraId], { env: cleanEnv({ NODE_EXTRA_CA_CERTS: identity.certPath }) });
    const result = JSON.parse(stdout) as { lookups: { name: string; ok: boolean }[] };
    expect(result.lookups.every((l) => l.ok)).toBe(true);
    expect(code).toBe(0);
  });
});

describe("letsrobot serve --tls self-signed", () => {
  test("prints an https URL and the certificate's fingerprint; a bad --tls value is a usage error", async () => {
    const dir = tempDataDir();
    const child = Bun.spawn([binary, "serve", "--port", "0", "--tls", "self-signed", "--data-dir", dir.dir], { env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    try {
      const url = (await textUntilNewline(child.stdout)).split("\n")[0] ?? "";
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const made = await selfSignedIdentity(dir.dir, ["127.0.0.1"], runProcess);
      expect(made.renewed).toBe(false);
      expect(await (await fetch(`${url}/healthz`, { tls: { ca: made.cert } } as RequestInit)).json()).toEqual({ ok: true });
      child.kill("SIGINT");
      await child.exited;
      expect(await new Response(child.stderr).text()).toContain(`SHA-256 fingerprint ${made.fingerprint}`);
    } finally {
      child.kill("SIGKILL");
      dir.remove();
    }
    const bad = await runCli(["serve", "--port", "0", "--tls", "yes"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--tls takes "self-signed"');
  }, 20_000);
});

describe("the shared port", () => {
  test("a connection that sends nothing is closed after firstByteMs (runs past it)", async () => {
    const http = createServer((_req, res) => res.end("ok"));
    const shared = await shareWithTls(http, { cert: identity.cert, key: identity.key, firstByteMs: 200 });
    await new Promise<void>((resolve) => shared.server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (shared.server.address() as { port: number }).port;
      const socket = tcpConnect(port, "127.0.0.1");
      const started = Date.now();
      await new Promise((resolve) => socket.once("close", resolve));
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      shared.close();
      shared.server.close();
    }
  });
});

