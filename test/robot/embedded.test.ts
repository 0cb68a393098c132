import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { ConfigError, ExitCode } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { waitConnected } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { runProcess } from "../../lib/process/run.ts";
import { type Embedded, startEmbedded } from "../../lib/letsrobot/embedded.ts";
import { runRobot } from "../../commands/run.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { smallDisk } from "../helpers/small-disk.ts";
import { until } from "./harness.ts";
import { alive, spawnRun } from "./run-process.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const log = createLogger("silent");
const configFor = (dataDir: string, port = 0) => merge(defaults(), { server: { host: "127.0.0.1", port, data_dir: dataDir }, video: { enabled: false }, audio: { enabled: false }, tts: { enabled: false } });
const newDataDir = () => mkdtempSync(join(tmpdir(), "letsrobot-emb-"));

async function start(dataDir: string, port = 0): Promise<Embedded> {
  const embedded = await startEmbedded(configFor(dataDir, port), { log, env: {} });
  cleanups.push(() => embedded.close());
  return embedded;
}

async function refusal(dataDir: string): Promise<ConfigError> {
  const error = await startEmbedded(configFor(dataDir), { log, env: {} }).then(
    (embedded) => embedded.close().then(() => undefined),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const token = (embedded: Embedded) => decodeURIComponent(embedded.ownerUrl.split("#token=")[1] ?? "");

describe("the embedded robot's keys and owner link", () => {
  test("are the same over two starts, kept in a 0600 file in the data dir", async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const first = await start(dataDir, port);
    await first.close();
    const second = await start(dataDir, port);
    expect(second.ownerUrl).toBe(first.ownerUrl);
    expect(second.robot).toEqual(first.robot);
    expect(second.keysFile).toBe(join(dataDir, "my-robot.json"));
    expect(statSync(second.keysFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(second.keysFile, "utf8"))).toEqual({
      owner_url: first.ownerUrl,
      owner_token: first.robot.ownerToken,
      robot_key: first.robot.robotKey,
      stream_key: first.robot.streamKey,
    });
    // the token still signs in as the owner
    const owner = connectSocket({ url: second.platform.url, auth: { token: token(first) }, reconnect: false });
    cleanups.push(() => owner.close());
    await waitConnected(owner, 5000);
    const ack = await new Promise((resolve) => owner.emit("set_exclusive_control", { robot_id: second.robot.robotId, user: null }, resolve));
    expect(ack).toMatchObject({ ok: true });
  });

  test("a lost database gets the same keys back from the file (saved links keep working)", async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    await first.close();
    const { rmSync } = await import("node:fs");
    for (const f of ["platform.db", "platform.db-wal", "platform.db-shm"]) rmSync(join(dataDir, f), { force: true });
    const second = await start(dataDir);
    expect(token(second)).toBe(token(first));
    expect(second.robot.robotKey).toBe(first.robot.robotKey);
  });

  test("a keys file readable by others is made private again", async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    await first.close();
    const { chmodSync } = await import("node:fs");
    chmodSync(first.keysFile, 0o644);
    await start(dataDir);
    expect(statSync(first.keysFile).mode & 0o777).toBe(0o600);
  });
});

describe("one embedded platform per data dir", () => {
  test("a second start on the same data dir is refused, naming the first one's pid and URL; free again once it stops", async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    const error = await refusal(dataDir);
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.message).toContain(`(pid ${process.pid}, ${first.platform.url}) already hosts the platform of ${dataDir}`);
    expect(error.hint).toContain(`kill ${process.pid}`);
    expect(error.hint).toContain("server.data_dir");
    // the refused start changed nothing: the first robot's keys still stand
    expect(JSON.parse(readFileSync(first.keysFile, "utf8")).owner_url).toBe(first.ownerUrl);
    await first.close();
    expect(() => lstatSync(join(dataDir, "run.lock"))).toThrow();
    const third = await start(dataDir);
    expect(third.ownerUrl.split("#")[1]).toBe(first.ownerUrl.split("#")[1]);
  });

  test("a lock left by a process that is gone is taken over", async () => {
    const dataDir = newDataDir();
    symlinkSync("2147483646 http://127.0.0.1:1", join(dataDir, "run.lock"));
    const embedded = await start(dataDir);
    expect(readlinkSync(join(dataDir, "run.lock"))).toBe(`${process.pid} ${embedded.platform.url}`);
  });

  test("`letsrobot run` twice on one data dir: the second exits 10 naming the first, which keeps running", async () => {
    const env = cleanEnv({ LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" });
    const first = spawnRun(["--port", "0", "--json"], env);
    cleanups.push(() => (alive(first.pid) ? first.interrupt() : undefined));
    const online = await first.waitForJson<{ viewer_url: string }>((e) => e.type === "online", 20_000);
    const second = Bun.spawn(["bun", join(import.meta.dir, "../../cli/main.ts"), "run", "--port", "0", "--json"], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [code, stderr] = await Promise.all([second.exited, new Response(second.stderr).text()]);
    expect(code).toBe(10);
    expect(stderr).toContain(`another letsrobot run (pid ${first.pid}, ${new URL(online.viewer_url).origin}) already hosts the platform`);
    expect(stderr).toContain(`hint: stop that one first (kill ${first.pid})`);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(alive(first.pid)).toBe(true);
    expect((await fetch(online.viewer_url)).status).toBe(200);
    expect(await first.interrupt()).toBe(130);
  }, 40_000);
});

/** runRobot with the embedded platform, its stdout lines collected; `interactive` = stdout is a terminal. */
async function ownerLines(options: { interactive: boolean; json: boolean }) {
  const dataDir = newDataDir();
  const lines: string[] = [];
  const shutdown = new AbortController();
  const done = runRobot({ config: configFor(dataDir), json: options.json }, { log, out: { text: (line) => lines.push(line), json: (v) => lines.push(JSON.stringify(v)) }, env: {}, fetch, shutdown: shutdown.signal, interactive: options.interactive, runProcess });
  await until(() => lines.some((l) => l.includes("owner")), 15_000, "the owner line");
  shutdown.abort("SIGINT");
  await done;
  const keys = JSON.parse(readFileSync(join(dataDir, "my-robot.json"), "utf8")) as { owner_url: string; owner_token: string };
  return { lines, keys, file: join(dataDir, "my-robot.json") };
}

describe("where the owner link is shown", () => {
  test("on a terminal: the link itself", async () => {
    const { lines, keys } = await ownerLines({ interactive: true, json: false });
    expect(lines).toContain(`owner: ${keys.owner_url}`);
  });

  test.each([false, true])("not a terminal (json %p): the file that holds it, never the token", async (json) => {
    const { lines, keys, file } = await ownerLines({ interactive: false, json });
    expect(lines.join("\n")).not.toContain(keys.owner_token);
    expect(lines.join("\n")).not.toContain(encodeURIComponent(keys.owner_token));
    if (json) expect(lines.map((l) => JSON.parse(l))).toContainEqual({ type: "owner_url", file });
    else expect(lines).toContain(`owner: the owner link is owner_url in ${file}`);
  });
});

describe("a full disk", () => {
  const disk = smallDisk();
  afterAll(() => disk.unmount());

  test.skipIf(disk.skip !== "")("the embedded robot starts again on a full disk, with the same owner link", async () => {
    const dataDir = join(disk.dir, "data");
    const port = await freePort();
    const first = await start(dataDir, port);
    await first.close();
    disk.fill();
    try {
      const second = await start(dataDir, port);
      expect(second.ownerUrl).toBe(first.ownerUrl);
      expect((await fetch(second.viewerUrl)).status).toBe(200);
    } finally {
      disk.free();
    }
  });

  test.skipIf(disk.skip !== "")("a running robot on a full disk: the owner's change is refused with a clear reply, the robot keeps obeying", async () => {
    const dataDir = join(disk.dir, "running");
    const events: Record<string, unknown>[] = [];
    const shutdown = new AbortController();
    const done = runRobot({ config: configFor(dataDir), json: true }, { log, out: { text: (line) => events.push(JSON.parse(line)), json: () => {} }, env: {}, fetch, shutdown: shutdown.signal, interactive: false, runProcess });
    cleanups.push(async () => {
      shutdown.abort("SIGINT");
      await done;
    });
    await until(() => events.filter((e) => e.type === "link" && e.state === "connected").length >= 3, 15_000, "sockets up");
    const keys = JSON.parse(readFileSync(join(dataDir, "my-robot.json"), "utf8")) as { owner_url: string; owner_token: string };
    const { origin, pathname } = new URL(keys.owner_url);
    const robotId = pathname.split("/").pop();
    const owner = connectSocket({ url: origin, auth: { token: keys.owner_token }, reconnect: false });
    cleanups.push(() => owner.close());
    await waitConnected(owner, 5000);
    const emit = (event: string, data: unknown) => new Promise<Record<string, unknown>>((resolve) => owner.emit(event, data, (reply) => resolve(reply as Record<string, unknown>)));
    disk.fill();
    try {
      const refused = await emit("update_robot", { robot_id: robotId, settings: { mic_enabled: false } });
      expect(refused).toMatchObject({ ok: false, error: "not_saved" });
      expect(String(refused.message)).toContain("the disk is full");
      expect(await emit("command_to_robot", { robot_id: robotId, command: "F", key_position: "" })).toMatchObject({ ok: true });
      await until(() => events.some((e) => e.type === "command" && e.command === "F" && e.accepted === true), 5000, "F at the robot");
      expect(events.some((e) => e.type === "shutdown" || e.type === "stop")).toBe(false);
    } finally {
      disk.free();
    }
  });
});

test("`letsrobot run` on a damaged database: exit 10 naming the file and the recovery command", async () => {
  const env = cleanEnv({ LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" });
  const dataDir = join(env.HOME ?? "", ".local", "share", "letsrobot");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, "platform.db"), "not a database\n".repeat(500));
  const child = Bun.spawn(["bun", join(import.meta.dir, "../../cli/main.ts"), "run", "--port", "0"], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  expect(code).toBe(10);
  expect(stderr).toContain(`the platform database ${join(dataDir, "platform.db")} is damaged`);
  expect(stderr).toContain(`mv ${join(dataDir, "platform.db")} ${join(dataDir, "platform.db")}.broken`);
  expect(stderr).not.toContain("this is a bug");
  expect(() => lstatSync(join(dataDir, "run.lock"))).toThrow(); // the lock is let go
}, 20_000);
