import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { launchChromium, videoSample } from "./browser.ts";
import { type Pusher, pushTestStream } from "./ffmpeg.ts";
import { connect, emitAck, startTestPlatform, tempDataDir, until } from "./helpers.ts";

const data = tempDataDir();
const opened: SocketChannel[] = [];
const pushers: Pusher[] = [];
let platform: Platform;
let robot: RobotCredentials;
let browser: Browser | undefined;
let page: Page;
const commands: { command: string; key_position: string; user: string }[] = [];
const chats: { name: string; message: string }[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  platform = await startTestPlatform(data.dir);
  robot = await platform.ensureRobot({ name: "rover", owner: "olga" });
  const control = await connect(connectSocket, platform.url, { robot_key: robot.robotKey }, opened);
  const chat = await connect(connectSocket, platform.url, { robot_key: robot.robotKey }, opened);
  control.on("command_to_robot", (d) => commands.push(d as (typeof commands)[number]));
  chat.on("chat_message_with_name", (d) => chats.push(d as (typeof chats)[number]));
  await emitAck(control, "robot_id", robot.robotId);
  await emitAck(chat, "identify_robot_id", robot.robotId);
  const ingest = `${platform.url}/${robot.streamKey}/640/480/`;
  pushers.push(pushTestStream("video", ingest, { seconds: 60 }), pushTestStream("audio", ingest, { seconds: 60 }));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  await page.goto(platform.viewerUrl(robot.robotId));
}, 30_000);

afterAll(async () => {
  await browser?.close();
  for (const p of pushers) p.stop();
  for (const c of opened) c.close();
  await platform.close();
  data.remove();
});

const canvasSample = () => videoSample(page);

/** What was pressed, without the refreshes a held button repeats. */
const presses = (list: typeof commands) =>
  list.filter((c, i) => !(c.key_position === "down" && list[i - 1]?.command === c.command && list[i - 1]?.key_position === "down")).map((c) => [c.command, c.key_position]);

const viewerState = () => page.evaluate(() => (window as unknown as { letsrobotViewer: { framesDecoded: number; audioFramesDecoded: number } }).letsrobotViewer);

describe("viewer page in headless Chromium", () => {
  test("decodes live video: canvas pixels are lit and change", async () => {
    await page.waitForFunction(() => (window as unknown as { letsrobotViewer: { framesDecoded: number } }).letsrobotViewer.framesDecoded > 3, undefined, { timeout: 15_000 });
    const first = await canvasSample();
    const frames = (await viewerState()).framesDecoded;
    await page.waitForFunction((n) => (window as unknown as { letsrobotViewer: { framesDecoded: number } }).letsrobotViewer.framesDecoded > n + 5, frames, { timeout: 10_000 });
    const second = await canvasSample();
    expect(first.lit).toBeGreaterThan(160 * 120 * 0.5);
    expect(second.hash).not.toBe(first.hash);
    expect(await page.textContent("#video-path")).toBe("MPEG-1");
  }, 30_000);

  test("shows the robot online", async () => {
    await page.waitForSelector('#online[data-online="true"]', { timeout: 5000 });
    expect(await page.textContent("#viewers")).toContain("1 watching");
  });

  test("pressing and releasing a button delivers down then up", async () => {
    const button = page.locator('button[data-command="F"]');
    const box = await button.boundingBox();
    if (!box) throw new Error("no forward button");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await until(() => commands.length >= 1, 5000, "down at the robot");
    await page.mouse.up();
    await until(() => commands.some((c) => c.key_position === "up"), 5000, "up at the robot");
    expect(presses(commands).slice(0, 2)).toEqual([
      ["F", "down"],
      ["F", "up"],
    ]);
    expect(commands[0]?.user).toMatch(/^anon-/);
  });

  test("holding an arrow key drives too", async () => {
    const before = commands.length;
    await page.keyboard.down("ArrowLeft");
    await until(() => commands.length >= before + 1, 5000, "key down at the robot");
    await page.keyboard.up("ArrowLeft");
    await until(() => commands.slice(before).some((c) => c.key_position === "up"), 5000, "key up at the robot");
    expect(presses(commands.slice(before))).toEqual([
      ["L", "down"],
      ["L", "up"],
    ]);
  });

  test("a chat message typed in the page reaches the robot", async () => {
    await page.fill("#chat-input", "hello from the page");
    await page.press("#chat-input", "Enter");
    await until(() => chats.length >= 1, 5000, "chat at the robot");
    expect(chats[0]?.message).toBe("[rover] hello from the page");
    await page.waitForSelector("#messages li", { timeout: 5000 });
    expect(await page.textContent("#messages")).toContain("hello from the page");
  });

  test("audio is decoded from its own stream", async () => {
    await page.waitForFunction(() => (window as unknown as { letsrobotViewer: { audioFramesDecoded: number } }).letsrobotViewer.audioFramesDecoded > 0, undefined, { timeout: 10_000 });
    expect((await viewerState()).audioFramesDecoded).toBeGreaterThan(0);
  });

  test("shows who has exclusive control, and drops the banner when it ends", async () => {
    const owner = await connect(connectSocket, platform.url, { token: robot.ownerToken }, opened);
    await emitAck(owner, "set_exclusive_control", { robot_id: robot.robotId, user: "maria" });
    await page.waitForSelector("#exclusive:not([hidden])", { timeout: 5000 });
    expect(await page.textContent("#exclusive")).toContain("maria has exclusive control");
    await emitAck(owner, "set_exclusive_control", { robot_id: robot.robotId, user: null });
    await page.waitForSelector("#exclusive[hidden]", { state: "attached", timeout: 5000 });
    owner.close();
  });

  test("fits a phone screen: nothing scrolls sideways and the buttons are reachable", async () => {
    const phone = await (browser as Browser).newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await phone.goto(platform.viewerUrl(robot.robotId));
      await phone.waitForSelector('button[data-command="F"]');
      const layout = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth, video: document.getElementById("video")?.getBoundingClientRect().width ?? 0 }));
      expect(layout.scroll).toBeLessThanOrEqual(layout.width);
      expect(layout.video).toBeGreaterThan(300);
      const before = commands.length;
      await phone.tap('button[data-command="R"]');
      await until(() => commands.length >= before + 2, 5000, "tap delivered down and up");
      expect(commands.slice(before).map((c) => c.key_position)).toEqual(["down", "up"]);
      if (process.env.LETSROBOT_SCREENSHOT) {
        await phone.waitForFunction(() => (window as unknown as { letsrobotViewer: { framesDecoded: number } }).letsrobotViewer.framesDecoded > 3);
        await phone.screenshot({ path: process.env.LETSROBOT_SCREENSHOT.replace(/\.png$/, "-phone.png") });
      }
    } finally {
      await phone.close();
    }
  });

  test("runs without script errors or content-security-policy violations", () => {
    expect(pageErrors).toEqual([]);
  });

  // LETSROBOT_SCREENSHOT=docs/viewer.png bun test test/server/viewer-page.test.ts
  test.if(process.env.LETSROBOT_SCREENSHOT !== undefined)("screenshot for the docs", async () => {
    const maria = await connect(connectSocket, platform.url, { name: "maria" }, opened);
    const owner = await connect(connectSocket, platform.url, { token: robot.ownerToken }, opened);
    await emitAck(maria, "watch_robot", { robot_id: robot.robotId });
    await emitAck(maria, "chat_message", { robot_id: robot.robotId, message: "Can you drive over to the kitchen?" });
    await emitAck(owner, "chat_message", { robot_id: robot.robotId, message: "Sure! Hold the arrows, it stops when you let go." });
    await page.waitForFunction(() => document.querySelectorAll("#messages li").length >= 3);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.down("ArrowUp");
    await page.waitForSelector('button[data-command="F"].held');
    await page.waitForFunction(() => (document.getElementById("viewers")?.textContent ?? "").startsWith("2"));
    await page.screenshot({ path: process.env.LETSROBOT_SCREENSHOT || join(import.meta.dir, "../../docs/viewer.png") });
    await page.keyboard.up("ArrowUp");
  });
});
