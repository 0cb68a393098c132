import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";

let platform: FakePlatform;
beforeAll(async () => {
  platform = await startFakePlatform();
});
afterAll(() => platform.close());

/** The URL of a platform that just stopped: nothing listens there any more. */
async function deadServer(): Promise<string> {
  const down = await startFakePlatform();
  await down.close();
  return down.url;
}

const robotFlags = () => ["--server", platform.url, "--robot-id", "100", "--camera-id", "200"];

describe("compiled binary", () => {
  test("--version prints the package version", async () => {
    const { code, stdout } = await runCli(["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("--help lists every subcommand with a description", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const name of ["doctor", "probe", "init"]) expect(stdout).toMatch(new RegExp(`\\b${name}\\b\\s+\\S+`));
    expect(stdout).not.toContain("\u001b[");
  });

  test("an unknown flag exits 2 naming the flag, without a stack trace", async () => {
    const { code, stderr } = await runCli(["doctor", "--frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown flag --frobnicate");
    expect(stderr).not.toMatch(/\s+at \S+ \(/);
  });

  test("a misspelt flag where no command runs (letsrobot --versoin, serve robot --lst) exits 2 with a suggestion, not the help", async () => {
    const [root, group, bare] = await Promise.all([runCli(["--versoin"]), runCli(["serve", "robot", "--lst"]), runCli(["--verbose"])]);
    expect(root.code).toBe(2);
    expect(root.stdout).toBe("");
    expect(root.stderr).toContain("unknown flag --versoin");
    expect(root.stderr).toContain("did you mean --version?");
    expect(group.code).toBe(2);
    expect(group.stderr).toContain("unknown flag --lst");
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain("USAGE letsrobot <command>");
  });

  test("a flag that takes a value but got none (last, or followed by a flag) exits 2 naming it", async () => {
    const [last, followed, given] = await Promise.all([runCli(["probe", "--server"]), runCli(["send", "F", "--hold", "--json"]), runCli(["send", "F", "--hold", "-5"])]);
    expect(last.code).toBe(2);
    expect(last.stderr).toContain("--server needs a value");
    expect(last.stderr).toContain("letsrobot probe --server <url>");
    expect(followed.code).toBe(2);
    expect(followed.stderr).toContain("--hold needs a value");
    expect(given.stderr).not.toContain("needs a value"); // a negative number is a value (then refused by the command)
  });

  test("an unknown command exits 2 and lists the commands", async () => {
    const { code, stderr } = await runCli(["fly"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "fly"');
    expect(stderr).toContain("doctor");
  });

  test("probe --json resolves and times every endpoint", async () => {
    const { code, stdout, stderr } = await runCli(["probe", "--json", ...robotFlags()]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.lookups.map((l: { name: string }) => l.name)).toEqual(["control", "chat", "relay", "video", "audio", "owner", "settings", "moderators"]);
    expect(report.lookups.every((l: { ok: boolean; ms: number }) => l.ok && l.ms >= 0)).toBe(true);
    expect(report.sockets.map((s: { name: string; engineIo: number[] }) => [s.name, s.engineIo])).toEqual([
      ["control", [3, 4]],
      ["chat", [3, 4]],
      ["app", [3, 4]],
    ]);
  });

  test("doctor --json passes against a live platform", async () => {
    const { code, stdout } = await runCli(["doctor", "--json", ...robotFlags()]);
    const report = JSON.parse(stdout);
    const byId = Object.fromEntries(report.checks.map((c: { id: string; status: string }) => [c.id, c.status]));
    expect(byId).toMatchObject({ config: "pass", lookups: "pass", "sockets.control": "pass", "sockets.chat": "pass", "sockets.app": "pass" });
    for (const id of ["ffmpeg", "camera", "microphone", "speech", "serial", "clock", "disk"]) expect(byId[id]).toBeDefined();
    expect(code).toBe(report.ok ? 0 : 3);
  });

  test("doctor warns when the config file holds keys that other users can read, and names the chmod", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "letsrobot-mode-"));
    const file = join(cwd, "letsrobot.toml");
    const configCheck = async () => {
      const { stdout } = await runCli(["doctor", "--json"], { cwd });
      return JSON.parse(stdout).checks.find((c: { id: string }) => c.id === "config");
    };
    writeFileSync(file, '[platform]\nrobot_key = "k3y-from-serve-robot-add"\n', { mode: 0o644 });
    chmodSync(file, 0o644); // whatever the umask
    expect(await configCheck()).toMatchObject({ status: "warn", hint: `chmod 600 ${file}` });
    chmodSync(file, 0o600);
    expect((await configCheck()).status).toBe("pass");
    writeFileSync(file, "[video]\nfps = 25\n");
    chmodSync(file, 0o644); // no keys in it: nothing to hide
    expect((await configCheck()).status).toBe("pass");
  });

  test("doctor with an invalid config fails the config check and skips what depends on it as 'config invalid', not 'no server' or 'tts disabled'", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "letsrobot-bad-"));
    writeFileSync(join(cwd, "letsrobot.toml"), "[video]\nwidht = 640\n");
    const { code, stdout } = await runCli(["doctor", "--json"], { cwd });
    expect(code).toBe(3);
    const byId = Object.fromEntries(JSON.parse(stdout).checks.map((c: { id: string; status: string; detail: string }) => [c.id, `${c.status}: ${c.detail}`]));
    expect(byId.config).toContain("video.widht: unknown key");
    for (const id of ["lookups", "sockets", "identity", "remo", "twitch", "speech"]) expect(byId[id]).toBe("skip: config invalid (see the config check)");
  });

  test("init to a path it cannot write exits 10 naming the path, not as a bug", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "letsrobot-init-"));
    writeFileSync(join(cwd, "file"), "");
    const { code, stderr } = await runCli(["init", "file/letsrobot.toml"], { cwd });
    expect(code).toBe(10);
    expect(stderr).toContain(`cannot write ${join(cwd, "file/letsrobot.toml")} (E`); // EEXIST or ENOTDIR: a file where a folder must be
    expect(stderr).not.toContain("bug");
  });

  test("run against another server says that [twitch] chat is the platform's to serve, not the robot's", async () => {
    const url = await deadServer();
    const env = cleanEnv({ LETSROBOT_PLATFORM_RETRIES: "0", LETSROBOT_TWITCH_CHAT: "true", LETSROBOT_TWITCH_CHANNEL: "somechannel" });
    const { code, stderr } = await runCli(["run", "--server", url, "--robot-id", "100"], { env });
    expect(code).toBe(20); // nothing listens there
    expect(stderr).toContain("[twitch] chat and extension are served by the platform");
  });

  test("doctor exits 3 when the server is down, with a hint naming host and port", async () => {
    const url = await deadServer();
    const { code, stdout } = await runCli(["doctor", "--json", "--server", url, "--robot-id", "100"], { env: cleanEnv({ LETSROBOT_PLATFORM_RETRIES: "0" }) });
    expect(code).toBe(3);
    const lookups = JSON.parse(stdout).checks.find((c: { id: string }) => c.id === "lookups");
    expect(lookups.status).toBe("fail");
    expect(lookups.hint).toContain(new URL(url).host);
  });

  test("a bad config file exits 10 naming file, line and key", async () => {
    const cwd = (await import("node:fs")).mkdtempSync(join(require("node:os").tmpdir(), "lr-"));
    writeFileSync(join(cwd, "letsrobot.toml"), "[video]\nfps = 30\nwidht = 640\n");
    const { code, stderr } = await runCli(["probe"], { cwd });
    expect(code).toBe(10);
    expect(stderr).toContain("letsrobot.toml:3: video.widht: unknown key");
    expect(stderr).toContain("did you mean video.width?");
  });

  test("init writes a starter config that probe then reads", async () => {
    const cwd = (await import("node:fs")).mkdtempSync(join(require("node:os").tmpdir(), "lr-"));
    const init = await runCli(["init", ...robotFlags()], { cwd });
    expect(init.code).toBe(0);
    const path = join(cwd, "letsrobot.toml");
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, "utf8")).toContain('robot_id = "100"');
    expect((await runCli(["init"], { cwd })).code).toBe(10);
    const probe = await runCli(["probe", "--json"], { cwd });
    expect(probe.code).toBe(0);
  });
});

describe("rough edges of the command line", () => {
  test("root --help fits an 80-column terminal; nested usage keeps the program name", async () => {
    const root = await runCli(["--help"]);
    expect(root.stdout.split("\n").filter((l) => l.length > 80)).toEqual([]);
    const nested = await runCli(["serve", "robot", "add", "--help"]);
    expect(nested.code).toBe(0);
    expect(nested.stdout).toContain("USAGE letsrobot serve robot add [OPTIONS] <NAME>");
  });

  test("did you mean: a misspelt command or flag gets the nearest name", async () => {
    const command = await runCli(["dcotor"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/did you mean .?letsrobot doctor.?\?/);
    const flag = await runCli(["doctor", "--jsn"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("did you mean --json?");
  });

  test("a missing argument names the command whose help to read", async () => {
    const { code, stdout } = await runCli(["serve", "robot", "add", "--json"]);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({ error: "Missing required positional argument: NAME", hint: "see `letsrobot serve robot add --help`", exit_code: 2 });
  });

  test("doctor --version prints the version and runs no check", async () => {
    const { code, stdout, stderr } = await runCli(["doctor", "--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(stderr).toBe("");
  });

  test("under --json an error is one object on stdout: {error, hint, exit_code}", async () => {
    for (const [args, exit] of [
      [["dcotor", "--json"], 2],
      [["probe", "--json", "--server", "http://127.0.0.1:1"], 10], // no robot id
    ] as const) {
      const { code, stdout } = await runCli([...args]);
      expect(code).toBe(exit);
      const report = JSON.parse(stdout);
      expect(report).toEqual({ error: expect.any(String), hint: expect.any(String), exit_code: exit });
    }
  });

  test("probe --json prints its result when endpoints fail (one object, ok false, exit 20)", async () => {
    const { code, stdout } = await runCli(["probe", "--json", "--server", await deadServer(), "--robot-id", "100"], { env: cleanEnv({ LETSROBOT_PLATFORM_RETRIES: "0" }) });
    expect(code).toBe(20);
    const report = JSON.parse(stdout); // throws if a second object followed
    expect(report.ok).toBe(false);
    expect(report.lookups.every((l: { ok: boolean; error?: string }) => !l.ok && l.error)).toBe(true);
  });
});
