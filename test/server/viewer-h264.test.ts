import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import type { Platform, RobotCredentials } from "../../lib/server/platform.ts";
import { launchChromium, videoSample } from "./browser.ts";
import { type Pusher, pushTestStream } from "./ffmpeg.ts";
import { startTestPlatform, tempDataDir } from "./helpers.ts";

// The robot streams H.264 + AAC (the encoder arguments of `video.format = "h264"`); the page on 127.0.0.1 is a
// secure context, so it decodes with WebCodecs. A second page has WebCodecs removed before its scripts run,
// as on plain http over a LAN, and must fall back to Media Source Extensions.
const data = tempDataDir();
const pushers: Pusher[] = [];
const pageErrors: string[] = [];
let platform: Platform;
let robot: RobotCredentials;
let browser: Browser | undefined;

interface Viewer {
  framesDecoded: number;
  audioFramesDecoded: number;
}

async function openPage(options: { withoutWebCodecs?: boolean; query?: string } = {}): Promise<Page> {
  const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  if (options.withoutWebCodecs) {
    await page.addInitScript(() => {
      const scope = window as unknown as Record<string, unknown>;
      delete scope.VideoDecoder;
      delete scope.AudioDecoder;
    });
  }
  await page.goto(`${platform.viewerUrl(robot.robotId)}${options.query ?? ""}`);
  return page;
}

beforeAll(async () => {
  platform = await startTestPlatform(data.dir);
  robot = await platform.ensureRobot({ name: "rover", owner: "olga" });
  const ingest = `${platform.url}/${robot.streamKey}/640/480/`;
  pushers.push(pushTestStream("video", ingest, { seconds: 60, format: "h264" }), pushTestStream("audio", ingest, { seconds: 60, format: "h264" }));
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  for (const p of pushers) p.stop();
  await platform.close();
  data.remove();
});

const viewer = (page: Page) => page.evaluate(() => (window as unknown as { letsrobotViewer: Viewer }).letsrobotViewer);
const framesAbove = (page: Page, n: number) => page.waitForFunction((least) => (window as unknown as { letsrobotViewer: Viewer }).letsrobotViewer.framesDecoded > least, n, { timeout: 15_000 });

/** Live pictures: lit, and different a few frames later. */
async function expectMovingPicture(page: Page): Promise<void> {
  await framesAbove(page, 3);
  const first = await videoSample(page);
  await framesAbove(page, (await viewer(page)).framesDecoded + 5);
  const second = await videoSample(page);
  expect(first.lit).toBeGreaterThan(160 * 120 * 0.5);
  expect(second.hash).not.toBe(first.hash);
}

describe("H.264 on the viewer page in headless Chromium", () => {
  test("over 127.0.0.1 it decodes with WebCodecs onto the canvas: pixels lit and changing, AAC audio decoded", async () => {
    const page = await openPage();
    try {
      await expectMovingPicture(page);
      expect(await page.textContent("#video-path")).toBe("H.264 · WebCodecs");
      expect(await page.locator(".video-box video").count()).toBe(0);
      await page.waitForFunction(() => (window as unknown as { letsrobotViewer: Viewer }).letsrobotViewer.audioFramesDecoded > 10, undefined, { timeout: 10_000 });
      await page.click("#sound");
      expect(await page.textContent("#sound-label")).toBe("sound on");
    } finally {
      await page.close();
    }
  }, 40_000);

  test("without WebCodecs (a non-secure origin) it falls back to Media Source Extensions: video pixels change, audio plays", async () => {
    const page = await openPage({ withoutWebCodecs: true });
    try {
      await expectMovingPicture(page);
      expect(await page.textContent("#video-path")).toBe("H.264 · MSE");
      expect(await page.isHidden("#video")).toBe(true);
      await page.waitForFunction(() => ((document.querySelector(".video-box audio") as HTMLAudioElement | null)?.currentTime ?? 0) > 0.5, undefined, { timeout: 10_000 });
      expect((await viewer(page)).audioFramesDecoded).toBeGreaterThan(10);
    } finally {
      await page.close();
    }
  }, 40_000);

  test("the MSE player jumps back to the live edge when it falls behind", async () => {
    const page = await openPage({ query: "?decoder=mse" });
    const behind = () =>
      page.evaluate(() => {
        const video = document.querySelector(".video-box video") as HTMLVideoElement;
        return video.buffered.end(video.buffered.length - 1) - video.currentTime;
      });
    try {
      await framesAbove(page, 75);
      expect(await page.textContent("#video-path")).toBe("H.264 · MSE");
      // seek back to the oldest buffered picture; how far behind that is, measured before the page's timer can act
      const pushedBack = await page.evaluate(() => {
        const video = document.querySelector(".video-box video") as HTMLVideoElement;
        video.currentTime = video.buffered.start(0);
        return video.buffered.end(video.buffered.length - 1) - video.currentTime;
      });
      expect(pushedBack).toBeGreaterThan(1.5);
      await page.waitForFunction(
        () => {
          const video = document.querySelector(".video-box video") as HTMLVideoElement;
          return video.buffered.end(video.buffered.length - 1) - video.currentTime < 0.5;
        },
        undefined,
        { timeout: 3000 },
      );
      expect(await behind()).toBeLessThan(0.5);
    } finally {
      await page.close();
    }
  }, 40_000);

  test("the relay reports each stream's codec in /api/status", async () => {
    const status = (await (await fetch(`${platform.url}/api/status`)).json()) as { streams: { camera_id: string; kind: string; codec: string | null }[] };
    const mine = status.streams.filter((s) => s.camera_id === robot.cameraId).map((s) => [s.kind, s.codec]);
    expect(mine.sort()).toEqual([
      ["audio", "aac"],
      ["video", "h264"],
    ]);
  });

  test("runs without script errors or content-security-policy violations", () => {
    expect(pageErrors).toEqual([]);
  });
});
