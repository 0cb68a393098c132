import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, headless, driven by playwright-core (the one import of playwright-core in these tests). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** A digest of the picture the viewer page shows (its canvas, or the <video> of the MSE path), and how many pixels are lit. */
export function videoSample(page: Page): Promise<{ hash: number; lit: number }> {
  return page.evaluate(() => {
    const shown = document.querySelector(".video-box video") ?? document.getElementById("video");
    const copy = document.createElement("canvas");
    copy.width = 160;
    copy.height = 120;
    const ctx = copy.getContext("2d") as CanvasRenderingContext2D;
    ctx.drawImage(shown as CanvasImageSource, 0, 0, 160, 120);
    const pixels = ctx.getImageData(0, 0, 160, 120).data;
    let hash = 0;
    let lit = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      hash = (hash * 31 + (pixels[i] ?? 0) + (pixels[i + 1] ?? 0) * 7 + (pixels[i + 2] ?? 0) * 13) >>> 0;
      if ((pixels[i] ?? 0) + (pixels[i + 1] ?? 0) + (pixels[i + 2] ?? 0) > 30) lit++;
    }
    return { hash, lit };
  });
}
