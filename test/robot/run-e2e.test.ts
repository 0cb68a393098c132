import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { cleanEnv, runCli } from "../helpers/cli.ts";
import { launchChromium } from "../server/browser.ts";
import { until } from "./harness.ts";
import { alive, childPids, freePort, type RunProcess, spawnRun } from "./run-process.ts";
import { wavRms } from "./wav.ts";

/**
 * The embedded default, end to end: `letsrobot run` with no config and no network starts the local platform,
 * the simulated robot, the test pattern and speech; a viewer page in real Chromium drives it.
 */
let run: RunProcess;
let browser: Browser | undefined;
let viewerUrl = "";
let viewerUrls: string[] = [];
let ownerUrl = "";
let statusUrl = "";
const wavDir = mkdtempSync(join(tmpdir(), "letsrobot-run-wav-"));

const status = async () => (await (await fetch(statusUrl)).json()) as { driver: { moving: boolean; pose?: { x: number; y: number } }; links: { state: string }[] };
const DEADMAN_MS = 500;

/** The simulated motors, sampled every 100 ms for `ms`. */
async function sampleMoving(ms: number): Promise<boolean[]> {
  const samples: boolean[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    samples.push((await status()).driver.moving);
    await Bun.sleep(100);
  }
  return samples;
}
const all = () => run.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
const ms = (event: Record<string, unknown> | undefined) => Date.parse(String(event?.at));

/**
 * The robot's own record of the end of a hold of `command`, from its --json events after event number `from`:
 * the last `down` it accepted, the release (if any), and the first stop after them.
 */
function holdEnd(command: string, from: number) {
  const list = all().slice(from);
  const downs = list.filter((e) => e.type === "command" && e.command === command && e.key_position === "down" && e.accepted === true);
  const last = downs.at(-1);
  const up = list.find((e) => e.type === "command" && e.command === command && e.key_position === "up");
  const stop = list.slice(list.indexOf(up ?? last ?? {})).find((e) => e.type === "stop");
  const gaps = downs.map((e, i) => (i === 0 ? 0 : ms(e) - ms(downs[i - 1])));
  return { downs: downs.length, maxGap: Math.max(0, ...gaps), lastDown: ms(last), up: up ? ms(up) : undefined, stop: ms(stop), reason: stop?.reason };
}
const events = (type: string) => run.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.type === type);

async function openViewer(url: string): Promise<Page> {
  const page = await browser!.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { letsrobotViewer: { you: unknown } }).letsrobotViewer.you !== null, null, { timeout: 10_000 });
  return page;
}

/** A new viewer page presses the arrow button `slot` and keeps it down until the robot moves. */
async function pressAndHold(slot: string): Promise<{ page: Page; from: number }> {
  const page = await openViewer(viewerUrl);
  const from = all().length;
  await page.locator(`[data-slot="${slot}"]`).hover();
  await page.mouse.down();
  await until(async () => (await status()).driver.moving, 5000, "moving");
  return { page, from };
}

async function chat(page: Page, text: string): Promise<void> {
  await page.fill("#chat-input", text);
  await page.press("#chat-input", "Enter");
  await page.waitForFunction(() => (document.getElementById("chat-input") as HTMLInputElement).value === "", null, { timeout: 5000 });
}

beforeAll(async () => {
  const statusPort = await freePort();
  statusUrl = `http://127.0.0.1:${statusPort}/status`;
  run = spawnRun(["--port", "0", "--json", "--status-port", String(statusPort)], cleanEnv({ LETSROBOT_TTS_OUTPUT_DIR: wavDir }));
  const online = await run.waitForJson<{ viewer_url: string; viewer_urls: string[] }>((e) => e.type === "online", 20_000);
  viewerUrl = online.viewer_url;
  viewerUrls = online.viewer_urls;
  // stdout is a pipe here, so it names the 0600 file that holds the owner link instead of printing it
  const keysFile = (await run.waitForJson<{ file: string }>((e) => e.type === "owner_url")).file;
  ownerUrl = (JSON.parse(readFileSync(keysFile, "utf8")) as { owner_url: string }).owner_url;
  await until(() => events("link").filter((e) => e.state === "connected").length >= 3, 10_000, "three sockets up");
  browser = await launchChromium();
}, 40_000);

afterAll(async () => {
  await browser?.close();
  if (run && alive(run.pid)) await run.interrupt();
});

describe("letsrobot run with no config (embedded platform, sim driver, test pattern)", () => {
  test("prints the viewer URL; the page shows the robot online with video", async () => {
    expect(viewerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/robot\/\d+$/);
    expect(viewerUrls).toContain(viewerUrl); // every address the platform answers on, for a phone on the LAN
    expect(ownerUrl.startsWith(`${viewerUrl}#token=`)).toBe(true);
    const page = await openViewer(viewerUrl);
    await page.waitForSelector('#online[data-online="true"]', { timeout: 10_000 });
    await page.waitForFunction(() => (window as unknown as { letsrobotViewer: { framesDecoded: number } }).letsrobotViewer.framesDecoded > 0, null, { timeout: 15_000 });
    await page.close();
  }, 30_000);

  test("pressing Forward in Chromium moves the simulated robot; releasing stops it", async () => {
    const page = await openViewer(viewerUrl);
    const before = (await status()).driver.pose ?? { x: 0, y: 0 };
    await page.locator('[data-slot="f"]').hover();
    await page.mouse.down();
    await until(() => events("command").some((e) => e.command === "F" && e.key_position === "down" && e.accepted === true), 5000, "F down at the robot");
    await page.mouse.up();
    await until(() => events("command").some((e) => e.command === "F" && e.key_position === "up"), 5000, "F up at the robot");
    const after = await status();
    expect(after.driver.moving).toBe(false);
    expect(Math.hypot((after.driver.pose?.x ?? 0) - before.x, (after.driver.pose?.y ?? 0) - before.y)).toBeGreaterThan(0.001);
    await page.close();
  }, 20_000);

  test("holding Forward for 3 s in Chromium drives the whole time; it stops within the dead-man of the release", async () => {
    const { page, from } = await pressAndHold("f");
    const samples = await sampleMoving(3000);
    await page.mouse.up();
    await until(async () => !(await status()).driver.moving, 3000, "stopped after the release");
    expect(samples.length).toBeGreaterThanOrEqual(10);
    expect(samples.every(Boolean)).toBe(true);
    const end = holdEnd("F", from);
    expect(end.downs).toBeGreaterThanOrEqual(15); // the press and its refreshes
    expect(end.maxGap).toBeLessThan(DEADMAN_MS);
    expect(end.reason).toBe("release");
    expect(end.stop - (end.up ?? 0)).toBeLessThan(DEADMAN_MS);
    // no dead-man stop during the hold
    expect(all().slice(from).filter((e) => e.type === "stop").map((e) => `${e.reason} at ${e.at}`)).toEqual([`release at ${new Date(end.stop).toISOString()}`]);
    expect(await page.evaluate(() => (window as unknown as { letsrobotViewer: { refreshes: number } }).letsrobotViewer.refreshes)).toBeGreaterThanOrEqual(15);
    await page.close();
  }, 20_000);

  test("closing the page mid-hold stops the robot", async () => {
    const { page, from } = await pressAndHold("b");
    expect((await sampleMoving(1000)).every(Boolean)).toBe(true);
    await page.close({ runBeforeUnload: false });
    await until(async () => !(await status()).driver.moving, 3000, "stopped after the page closed");
    const end = holdEnd("B", from);
    expect(["release", "deadman"]).toContain(String(end.reason)); // the server lets go for the lost page, else the dead-man
    expect(end.stop - end.lastDown).toBeLessThanOrEqual(DEADMAN_MS + 150);
  }, 20_000);

  test("switching tabs mid-hold (the page hidden) releases the button: the robot stops", async () => {
    const { page, from } = await pressAndHold("l");
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await until(async () => !(await status()).driver.moving, 3000, "stopped after the tab switch");
    const end = holdEnd("L", from);
    expect(end.reason).toBe("release");
    expect(end.stop - (end.up ?? 0)).toBeLessThan(DEADMAN_MS);
    await page.mouse.up();
    await page.close();
  }, 20_000);

  test("a page that stops refreshing (hung tab) still connected: the dead-man stops the robot", async () => {
    const { page, from } = await pressAndHold("f");
    // stop every timer of the page: its refreshes end, its socket stays up, no "up" is ever sent
    await page.evaluate(() => {
      for (let id = 1; id < 100_000; id++) clearInterval(id);
    });
    await until(async () => !(await status()).driver.moving, 3000, "dead-man stop");
    const end = holdEnd("F", from);
    expect(end.reason).toBe("deadman");
    // the executor arms the dead-man early by the clock's recent timer lateness (at most a quarter of it), so a
    // late timer still stops by DEADMAN_MS; it never stops sooner than that quarter allows
    expect(end.stop - end.lastDown).toBeGreaterThanOrEqual(DEADMAN_MS * 0.75 - 5);
    expect(end.stop - end.lastDown).toBeLessThanOrEqual(DEADMAN_MS + 250); // a timer may still fire late on a loaded machine
    await page.mouse.up(); // its release must reach the robot before the next test drives F
    await until(() => all().slice(from).some((e) => e.type === "command" && e.command === "F" && e.key_position === "up"), 5000, "the release");
    await page.close();
  }, 20_000);

  test("send --hold 3000 and a script's hold drive the whole time and stop within the dead-man", async () => {
    const url = new URL(viewerUrl);
    const target = ["--server", url.origin, "--robot-id", url.pathname.split("/").pop() ?? "", "--json"];
    for (const [args, stdin] of [
      [["send", "F", "--hold", "3000", ...target], undefined],
      [["send", "--script", "-", ...target], "hold L 3000\n"],
    ] as const) {
      const from = all().length;
      const sent = runCli([...args], { stdin, timeoutMs: 15_000 });
      await until(async () => (await status()).driver.moving, 5000, "moving");
      const samples = await sampleMoving(2500);
      const result = await sent;
      expect(result.code).toBe(0);
      await until(async () => !(await status()).driver.moving, 3000, "stopped after the hold");
      expect(samples.every(Boolean)).toBe(true);
      expect(result.stdout.trim().split("\n").map((l) => JSON.parse(l).key_position)).toEqual(["down", "up"]);
      const end = holdEnd(args.includes("F") ? "F" : "L", from);
      expect(end.downs).toBeGreaterThanOrEqual(15);
      expect(end.reason).toBe("release");
      expect(end.stop - (end.up ?? 0)).toBeLessThan(DEADMAN_MS);
      expect(all().slice(from).filter((e) => e.type === "stop").map((e) => `${e.reason} at ${e.at}`)).toEqual([`release at ${new Date(end.stop).toISOString()}`]);
    }
  }, 30_000);

  test("chat from the page is spoken into a non-silent WAV", async () => {
    const page = await openViewer(viewerUrl);
    await chat(page, "hello from chromium");
    await until(() => events("spoken").some((e) => e.text === "hello from chromium"), 10_000, "speech");
    const files = readdirSync(wavDir).filter((f) => f.endsWith(".wav"));
    expect(files.length).toBeGreaterThanOrEqual(1);
    expect(wavRms(join(wavDir, files.sort().at(-1)!)).rms).toBeGreaterThan(0.01);
    await page.close();
  }, 20_000);

  test("owner commands work from the owner's page; a non-owner's are refused", async () => {
    const owner = await openViewer(ownerUrl);
    const guest = await openViewer(viewerUrl);
    await chat(guest, ".table on");
    await until(() => events("chat_command").some((e) => e.refused === true), 5000, "refusal");
    await chat(owner, ".table on");
    await until(() => events("chat_command").some((e) => e.refused === false && e.reply === "table mode on"), 5000, "owner command");
    await guest.locator('[data-slot="f"]').hover();
    await guest.mouse.down();
    await until(() => events("command").some((e) => e.command === "F" && e.accepted === false && e.reason === "table mode blocks forward/back"), 5000, "table refusal");
    await guest.mouse.up();
    await chat(owner, ".table off");
    await owner.close();
    await guest.close();
  }, 30_000);

  test("Ctrl-C: exit 130, motors stopped, no ffmpeg left behind", async () => {
    const children = await childPids(run.pid);
    const code = await run.interrupt();
    expect(code).toBe(130);
    const lines = run.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((e) => e.type === "stop" && e.reason === "shutdown")).toBe(true);
    await until(() => children.every((pid) => !alive(pid)), 5000, "children gone");
    const token = decodeURIComponent(ownerUrl.split("#token=")[1] ?? "");
    expect(token.length).toBeGreaterThan(10);
    expect(run.stderr()).not.toContain(token); // the owner token is printed once on stdout, never logged
  }, 20_000);
});

describe("letsrobot run's own platform and Twitch", () => {
  test("[twitch] extension = true: the embedded platform serves the panel's backend at /twitch/ext", async () => {
    const env = { LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" };
    const twitch = { LETSROBOT_TWITCH_EXTENSION: "true", LETSROBOT_TWITCH_EXT_CLIENT_ID: "panelclient", LETSROBOT_TWITCH_EXT_CHANNEL_ID: "123", LETSROBOT_TWITCH_EXT_SECRET: "YS10ZXN0LWV4dGVuc2lvbi1zZWNyZXQtMzItYnl0ZXM=" };
    const robot = spawnRun(["--port", "0", "--json"], cleanEnv({ ...env, ...twitch }));
    try {
      const online = await robot.waitForJson<{ viewer_url: string }>((e) => e.type === "online", 20_000);
      const origin = new URL(online.viewer_url).origin;
      const headers = { Origin: "https://panelclient.ext-twitch.tv" };
      const preflight = await fetch(`${origin}/twitch/ext/status`, { method: "OPTIONS", headers: { ...headers, "Access-Control-Request-Method": "GET" } });
      expect(preflight.status).toBe(204);
      const anonymous = await fetch(`${origin}/twitch/ext/status`, { headers });
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { error: string }).error).toBe("missing_token");
      // the first start creates the robot just after the platform: no warning about a robot that is coming
      expect(robot.stderr()).toContain("Twitch extension backend on /twitch/ext");
      expect(robot.stderr()).not.toContain("no robot yet");
    } finally {
      expect(await robot.interrupt()).toBe(130);
    }
  }, 30_000);
});

describe("letsrobot run in text mode", () => {
  test("the first line on stdout is the viewer URL, the second where the owner link is (stdout is not a terminal); Ctrl-C exits 130", async () => {
    const text = spawnRun(["--port", "0"], cleanEnv({ LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false", LETSROBOT_TTS_ENABLED: "false" }));
    try {
      await until(() => text.lines.length >= 2, 20_000, "two lines on stdout");
      expect(text.lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/robot\/\d+$/);
      const keysFile = /^owner: the owner link is owner_url in (\/.+\/my-robot\.json)$/.exec(text.lines[1] ?? "")?.[1] ?? "";
      expect((JSON.parse(readFileSync(keysFile, "utf8")) as { owner_url: string }).owner_url).toStartWith(`${text.lines[0]}#token=`);
      await until(() => /your robot is live: open the first link above/.test(text.stderr()), 5000, "friendly line on stderr");
      expect(`${text.lines.join("\n")}\n${text.stderr()}`).not.toContain("#token=");
      await until(() => ["control", "chat", "app"].every((s) => text.stderr().includes(`${s} socket connected`)), 10_000, "all three sockets up");
      await until(() => /robot my-robot \(\d+\) connected/.test(text.stderr()), 5000, "the platform saw the robot");
      await Bun.sleep(500); // the other two sockets identify within milliseconds of the first
      const everything = `${text.lines.join("\n")}\n${text.stderr()}`;
      const viewerUrl = text.lines[0] ?? "";
      expect(everything.split(viewerUrl).length - 1).toBe(1);
      expect(everything.match(/robot my-robot \(\d+\) connected/g)).toHaveLength(1); // one line, not one per socket
    } finally {
      expect(await text.interrupt()).toBe(130);
    }
  }, 30_000);
});
