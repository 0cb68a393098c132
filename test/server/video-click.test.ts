import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createSimDriver } from "../../lib/hardware/drivers/sim.ts";
import { servoCentre } from "../../lib/hardware/kinematics.ts";
import { createLogger } from "../../lib/log.ts";
import type { SocketChannel } from "../../lib/net/channel.ts";
import { connectSocket } from "../../lib/net/socket-client.ts";
import { resolveEndpoints } from "../../lib/platform/client.ts";
import { realClock } from "../../lib/clock.ts";
import { noMedia } from "../../lib/robot/media-control.ts";
import type { Robot } from "../../lib/robot/core.ts";
import { startRobot } from "../../lib/letsrobot/robot.ts";
import { type WatchedEvent, watchRobot } from "../../lib/send/watch.ts";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { runCli } from "../helpers/cli.ts";
import { launchChromium } from "./browser.ts";
import { connect, emitAck, nextEvent, startTestPlatform, tempDataDir, until } from "./helpers.ts";

// A click on the video: the page sends custom_event mousedown:X:Y, serve relays it, `run` aims the pan servo.
const data = tempDataDir();
const opened: SocketChannel[] = [];
let platform: Platform;
let rover: RobotCredentials;
let owner: SocketChannel;
let browser: Browser | undefined;
let page: Page;
let robot: Robot;
const config = () =>
  merge(defaults(), {
    platform: { server: platform.url, robot_id: rover.robotId, camera_id: rover.cameraId, robot_key: rover.robotKey, retries: 0, timeout_ms: 2000 },
    hardware: { click: "aim", click_fov: 60 },
  });
let driver: ReturnType<typeof createSimDriver>;

beforeAll(async () => {
  platform = await startTestPlatform(data.dir);
  rover = await platform.ensureRobot({ name: "aimer", owner: "olga" });
  owner = await connect(connectSocket, platform.url, { token: rover.ownerToken }, opened);
  driver = createSimDriver(config().hardware);
  await driver.open();
  const endpoints = await resolveEndpoints(config().platform, { fetch });
  robot = startRobot(
    { config: config(), robotId: rover.robotId, cameraId: rover.cameraId, endpoints, factory: connectSocket },
    { log: createLogger("silent"), clock: realClock, driver, media: noMedia, relookup: () => resolveEndpoints(config().platform, { fetch }), fetchSettings: async () => endpoints.settings, emit: () => {} },
  );
  await until(() => platform.status().robots.some((r) => r.robot_id === rover.robotId && r.sockets.control > 0), 5000, "the robot's control socket");
});

afterAll(async () => {
  await browser?.close();
  await robot?.stop();
  await driver?.close();
  for (const c of opened) c.close();
  await platform.close();
  data.remove();
});

const click = (socket: SocketChannel, data: unknown) => emitAck(socket, "custom_event", { robot_id: rover.robotId, data });

describe("custom_event through serve", () => {
  test("refused while the owner has not turned video_click on", async () => {
    const viewer = await connect(connectSocket, platform.url, { name: "vic" }, opened);
    expect(await click(viewer, "mousedown:0.2:0.5")).toMatchObject({ ok: false, error: "not_allowed" });
  });

  test("validated, relayed to the robot's control socket with the viewer's name, and rate-limited", async () => {
    expect(await emitAck(owner, "update_robot", { robot_id: rover.robotId, settings: { video_click: true } })).toMatchObject({ ok: true });
    const viewer = await connect(connectSocket, platform.url, { name: "val" }, opened);
    expect(await click(viewer, "mousedown:0.2:0.5 ; rm -rf")).toMatchObject({ ok: false, error: "invalid" });
    expect(await click(viewer, { x: 1 })).toMatchObject({ ok: false, error: "invalid" });
    const spy = await connect(connectSocket, platform.url, { robot_key: rover.robotKey }, opened);
    expect(await emitAck(spy, "robot_id", rover.robotId)).toMatchObject({ ok: true });
    const relayed = nextEvent(spy, "custom_event");
    expect(await click(viewer, "mousedown:0.50000:0.50000")).toMatchObject({ ok: true });
    expect(await relayed).toEqual({ robot_id: rover.robotId, data: "mousedown:0.50000:0.50000", user: "val", anonymous: false });
    const replies: Record<string, unknown>[] = [];
    for (let i = 0; i < 12; i++) replies.push(await click(viewer, "mousedown:0.50000:0.50000"));
    expect(replies.some((r) => r.error === "rate_limited")).toBe(true);
    spy.close();
  });
});

describe("a click on the video in Chromium", () => {
  test("clicking left of centre pans the simulated robot's camera left, right of centre pans it right", async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(platform.viewerUrl(rover.robotId));
    await page.waitForFunction(() => (window as unknown as { letsrobotViewer: { connected: boolean } }).letsrobotViewer.connected, undefined, { timeout: 10_000 });
    const centre = servoCentre(config().hardware, "pan");
    expect(driver.state().pan).toBe(centre);
    const box = await page.locator("#video").boundingBox();
    if (!box) throw new Error("no video canvas");
    // the canvas letterboxes a 4:3 picture: click inside it, a quarter from the left, at mid height
    await page.mouse.click(box.x + box.width / 2 - Math.min(box.width, (box.height * 4) / 3) / 4, box.y + box.height / 2);
    await until(() => (driver.state().pan ?? centre) > centre, 5000, "the pan servo turned left");
    const left = driver.state().pan ?? centre;
    expect(left - centre).toBe(15);
    await page.mouse.click(box.x + box.width / 2 + Math.min(box.width, (box.height * 4) / 3) / 2 - 2, box.y + box.height / 2);
    await until(() => (driver.state().pan ?? centre) < left, 5000, "the pan servo turned right");
  });

  test("letsrobot watch shows the clicks the robot receives", async () => {
    const seen: WatchedEvent[] = [];
    let stop = () => {};
    const watching = watchRobot(config(), { fetch, log: createLogger("silent"), connect: connectSocket, signal: new AbortController().signal }, (e) => seen.push(e), new Promise<void>((resolve) => (stop = resolve)));
    try {
      await until(() => platform.status().robots.some((r) => r.robot_id === rover.robotId && r.sockets.control > 1), 5000, "watch's control socket");
      const viewer = await connect(connectSocket, platform.url, { name: "wes" }, opened);
      expect(await click(viewer, "mousedown:0.40000:0.60000")).toMatchObject({ ok: true });
      await until(() => seen.some((e) => e.event === "custom_event"), 5000, "the click in watch");
      expect(seen.filter((e) => e.event === "custom_event")).toEqual([expect.objectContaining({ socket: "control", data: { robot_id: rover.robotId, data: "mousedown:0.40000:0.60000", user: "wes", anonymous: false } })]);
    } finally {
      stop();
      await watching;
    }
  });

  test("letsrobot send --click does what a click on the page does", async () => {
    const before = driver.state().pan ?? 0;
    const { code, stdout } = await runCli(["send", "--click", "0,0.5", "--user", "sam", "--server", platform.url, "--robot-id", rover.robotId, "--camera-id", rover.cameraId]);
    expect(code).toBe(0);
    expect(stdout).toContain("click mousedown:0.00000:0.50000: acknowledged");
    await until(() => (driver.state().pan ?? 0) > before, 5000, "the pan servo turned left");
  });
});
