/**
 * The overlay panel in extension/ in real Chromium against the real backend on 127.0.0.1: the panel page is
 * served from one origin and the backend from another, so the browser does real CORS preflights. Only the
 * Twitch helper script (loaded from Twitch's CDN in production) is replaced, by a stub that hands the panel
 * a token through `Twitch.ext.onAuthorized` as Twitch does.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { createLogger } from "../../lib/log.ts";
import { createExtensionHandler } from "../../lib/twitch/extension-http.ts";
import { launchChromium } from "../server/browser.ts";
import { commandQueue, twitchConfig } from "./helpers.ts";
import { channelId, clientId, secret, validToken } from "./tokens.ts";

const log = createLogger("silent");
const extensionDir = join(import.meta.dir, "../../extension");
const servers: { stop(force?: boolean): void }[] = [];
let browser: Browser | undefined;

/** Serve extension/ as Twitch's CDN would, with BACKEND_URL pointed at `backend`. */
function servePanel(backend: () => string) {
  const types: Record<string, string> = { html: "text/html", js: "text/javascript", css: "text/css" };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const name = new URL(request.url).pathname.slice(1);
      if (!["panel.html", "panel.js", "panel.css"].includes(name)) return new Response("not found", { status: 404 });
      let text = readFileSync(join(extensionDir, name), "utf8");
      if (name === "panel.js") text = text.replace(/const BACKEND_URL = "[^"]*";/, `const BACKEND_URL = ${JSON.stringify(backend())};`);
      return new Response(text, { headers: { "content-type": types[name.split(".").pop() ?? ""] ?? "text/plain" } });
    },
  });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

function serveBackend(origins: string[], onCommand: Parameters<typeof createExtensionHandler>[1]["onCommand"]) {
  const handler = createExtensionHandler(
    twitchConfig({ extension: true, ext_secret: secret, ext_client_id: clientId, ext_channel_id: channelId, ext_origins: origins, ext_user_per_second: 20 }),
    { log, onCommand },
  );
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (request) => (await handler(request)) ?? new Response("not found", { status: 404 }) });
  servers.push(server);
  return `http://127.0.0.1:${server.port}/twitch/ext`;
}

async function openPanel(panelUrl: string): Promise<Page> {
  if (!browser) throw new Error("no browser");
  const page = await browser.newPage();
  const token = await validToken({ opaque_user_id: "Upanel" });
  await page.route("https://extension-files.twitch.tv/**", (route) =>
    route.fulfill({
      contentType: "text/javascript",
      body: `window.Twitch = { ext: { onAuthorized(cb) { setTimeout(() => cb({ token: ${JSON.stringify(token)}, channelId: "${channelId}", clientId: "${clientId}", userId: "Upanel" }), 0); } } };`,
    }),
  );
  await page.goto(`${panelUrl}/panel.html`);
  return page;
}

const statusText = (page: Page) => page.locator("#status").textContent();

beforeAll(async () => {
  browser = await launchChromium();
}, 20_000);
afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.stop(true);
});

describe("overlay panel in Chromium", () => {
  test("hold-to-drive: press sends down (refreshed while held), release sends up", async () => {
    const queue = commandQueue();
    let backendUrl = "";
    const panelUrl = servePanel(() => backendUrl);
    backendUrl = serveBackend([panelUrl], queue.onCommand);
    const page = await openPanel(panelUrl);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "Ready.", undefined, { timeout: 10_000 });
    expect(await page.locator('button[data-command="F"]').isEnabled()).toBe(true);

    const forward = page.locator('button[data-command="F"]');
    await forward.hover();
    await page.mouse.down();
    expect(await queue.next()).toMatchObject({ source: "extension", command: "F", keyPosition: "down", user: "Upanel" });
    expect(await queue.next()).toMatchObject({ command: "F", keyPosition: "down" }); // the refresh while held
    await page.mouse.up();
    let last = await queue.next();
    for (let i = 0; i < 20 && last.keyPosition === "down"; i++) last = await queue.next(); // refreshes already in flight
    expect(last).toMatchObject({ command: "F", keyPosition: "up" });

    await page.locator('button[data-command="stop"]').click();
    expect(await queue.next()).toMatchObject({ command: "stop", keyPosition: "" });
    await page.close();
  }, 20_000);

  test("a panel origin the backend does not allow is blocked by the browser (CORS)", async () => {
    const queue = commandQueue();
    let backendUrl = "";
    const panelUrl = servePanel(() => backendUrl);
    backendUrl = serveBackend(["https://somewhere-else.example"], queue.onCommand);
    const page = await openPanel(panelUrl);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "Cannot reach the robot.", undefined, { timeout: 10_000 });
    expect(await statusText(page)).toBe("Cannot reach the robot.");
    expect(queue.seen).toHaveLength(0);
    await page.close();
  }, 20_000);
});
