import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { connectLegacySocket } from "../../lib/net/socket-client-legacy.ts";
import { binary, cleanEnv, root, textUntilNewline } from "../helpers/cli.ts";
import { connect, emitAck, nextEvent, tempDataDir } from "./helpers.ts";

const data = tempDataDir();
const children: Bun.Subprocess[] = [];
const opened: SocketChannel[] = [];
afterAll(() => {
  for (const channel of opened) channel.close();
  for (const child of children) child.kill("SIGKILL");
  data.remove();
});

const env = cleanEnv();
const main = join(root, "cli/main.ts");

/** The CLI from source (the same code the compiled binary runs). */
async function run(args: string[]) {
  const child = Bun.spawn([process.execPath, main, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.push(child);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

describe("letsrobot serve", () => {
  let keys: Record<string, string>;

  test("robot add --json on a pipe prints the ids and writes the keys, once, to a 0600 file named in its output", async () => {
    const { code, stdout, stderr } = await run(["serve", "robot", "add", "bot", "--owner", "ann", "--data-dir", data.dir, "--json"]);
    expect(code).toBe(0);
    const added = JSON.parse(stdout) as Record<string, string>;
    expect({ ...added }).toMatchObject({ name: "bot", owner: "ann", robot_id: expect.stringMatching(/^\d+$/), camera_id: expect.stringMatching(/^\d+$/), keys_file: join(data.dir, "keys", "bot.toml") });
    expect(statSync(added.keys_file ?? "").mode & 0o777).toBe(0o600);
    const { platform } = Bun.TOML.parse(readFileSync(added.keys_file ?? "", "utf8")) as { platform: Record<string, string> };
    expect({ ...platform }).toMatchObject({ robot_id: added.robot_id, camera_id: added.camera_id, owner: "ann" });
    keys = { ...added, stream_key: platform.stream_key, robot_key: platform.robot_key, owner_token: platform.owner_token } as Record<string, string>;
    for (const secret of [keys.stream_key, keys.robot_key, keys.owner_token]) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(stdout + stderr).not.toContain(secret);
    }
  });

  test("robot list shows robots without keys", async () => {
    const { code, stdout } = await run(["serve", "robot", "list", "--data-dir", data.dir, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ name: "bot", robot_id: keys.robot_id })]);
    for (const secret of [keys.stream_key, keys.robot_key, keys.owner_token]) expect(stdout).not.toContain(secret as string);
  });

  test("robot set changes stored settings", async () => {
    const { code, stdout } = await run(["serve", "robot", "set", "bot", "--no-mic", "--xres", "320", "--data-dir", data.dir]);
    expect(code).toBe(0);
    expect(stdout).toContain("mic_enabled = false");
    expect(stdout).toContain("xres = 320");
  });

  test.each([
    [["serve", "robot", "add", "bad name"], 2, 'invalid robot name "bad name"'],
    [["serve", "robot", "set", "bot", "--xres", "big"], 2, "--xres must be a whole number"],
    [["serve", "robot", "set", "nobody"], 2, 'no robot named "nobody"'],
    [["serve", "--app-port", "eighty"], 2, "--app-port must be a port number"],
    [["serve", "--port", "70000"], 10, "server.port"],
  ])("%j exits %d with a clear message", async (args, exitCode, message) => {
    const { code, stderr } = await run([...args, "--data-dir", data.dir]);
    expect(code).toBe(exitCode);
    expect(stderr).toContain(message);
    expect(stderr).toContain("hint:");
    expect(stderr).not.toMatch(/\s+at \S+ \(/);
  });

  test("serves until interrupted, then stops cleanly; a busy port is a clear error", async () => {
    const child = Bun.spawn([process.execPath, main, "serve", "--port", "0", "--data-dir", data.dir], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    children.push(child);
    const out = await textUntilNewline(child.stdout);
    const url = out.split("\n")[0] ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    // the robot added before is served: lookups, a socket.io 2 robot with its key, a socket.io 4 viewer
    expect(await (await fetch(`${url}/get_video_port/${keys.camera_id}`)).json()).toEqual({ mpeg_stream_port: Number(new URL(url).port), port: Number(new URL(url).port) });
    const robot = await connect(connectLegacySocket, url, { robot_key: keys.robot_key as string }, opened);
    expect(await emitAck(robot, "robot_id", keys.robot_id)).toMatchObject({ ok: true });
    const viewer = await connect(connectSocket, url, { name: "tess" }, opened);
    const got = nextEvent(robot, "command_to_robot");
    expect(await emitAck(viewer, "command_to_robot", { robot_id: keys.robot_id, command: "F", key_position: "down" })).toMatchObject({ ok: true });
    expect(await got).toMatchObject({ command: "F", key_position: "down", user: "tess" });
    // robot add prints the viewer page on the port serve really uses, not the default 8080
    const added = await run(["serve", "robot", "add", "late", "--data-dir", data.dir, "--json"]);
    expect(JSON.parse(added.stdout).viewer_url).toStartWith(`${url}/robot/`);
    const busy = await run(["serve", "--port", new URL(url).port, "--data-dir", data.dir]);
    expect(busy.code).toBe(20);
    expect(busy.stderr).toContain("cannot listen");
    child.kill("SIGINT");
    expect(await child.exited).toBe(130);
    const stderr = await new Response(child.stderr).text();
    expect(stderr).toContain("platform stopped");
    for (const secret of [keys.stream_key, keys.robot_key, keys.owner_token]) expect(stderr + out).not.toContain(secret as string);
  }, 20_000);
});

describe("compiled binary", () => {
  test("embeds the viewer page's assets (jsmpeg, socket.io client, page script and style)", async () => {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`bun run build\` first`);
    const child = Bun.spawn([binary, "serve", "--port", "0", "--data-dir", data.dir], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    children.push(child);
    const out = await textUntilNewline(child.stdout);
    if (!out.includes("\n")) throw new Error(`serve exited: ${await new Response(child.stderr).text()}`);
    const url = out.split("\n")[0] ?? "";
    const sizes: Record<string, number> = {};
    for (const path of ["/assets/jsmpeg.min.js", "/assets/socket.io.js", "/assets/viewer.js", "/assets/viewer.css"]) {
      const response = await fetch(`${url}${path}`);
      expect([path, response.status]).toEqual([path, 200]);
      sizes[path] = (await response.text()).length;
    }
    expect(sizes["/assets/jsmpeg.min.js"]).toBeGreaterThan(100_000);
    expect(sizes["/assets/socket.io.js"]).toBeGreaterThan(50_000);
    child.kill("SIGINT");
    expect(await child.exited).toBe(130);
  }, 20_000);
});
