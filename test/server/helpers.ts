import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import type { SocketChannel, SocketFactory } from "../../lib/net/channel.ts";
import { waitConnected } from "../../lib/net/channel.ts";
import { type Platform, type PlatformOptions, startPlatform } from "../../lib/server/platform.ts";

export const quietLog = () => createLogger((process.env.LETSROBOT_TEST_LOG as "debug" | undefined) ?? "silent");

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-serve-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh data dir on each call; all of them are removed after the calling file's tests. */
export function tempDataDirs(): () => string {
  const dirs: { remove(): void }[] = [];
  afterAll(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  return () => {
    const d = tempDataDir();
    dirs.push(d);
    return d.dir;
  };
}

export function startTestPlatform(dataDir: string, extra: Partial<PlatformOptions> = {}): Promise<Platform> {
  return startPlatform({ host: "127.0.0.1", port: 0, dataDir, log: quietLog(), ...extra });
}

/** Resolve with the next `event` on the channel (or reject after timeoutMs). */
export function nextEvent<T = unknown>(channel: SocketChannel, event: string, timeoutMs = 5000, accept: (data: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    channel.on(event, (data) => {
      if (!accept(data as T)) return;
      clearTimeout(timer);
      resolve(data as T);
    });
  });
}

/** Emit with an acknowledgement and resolve with the reply. */
export function emitAck<T = Record<string, unknown>>(channel: SocketChannel, event: string, data: unknown, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event} within ${timeoutMs} ms`)), timeoutMs);
    channel.emit(event, data, (reply) => {
      clearTimeout(timer);
      resolve(reply as T);
    });
  });
}

/** Connect a socket and wait until it is up; every channel is recorded for cleanup. */
export async function connect(factory: SocketFactory, url: string, auth: Record<string, string> | undefined, opened: SocketChannel[]): Promise<SocketChannel> {
  const channel = factory({ url, auth, reconnect: false, timeoutMs: 3000 });
  opened.push(channel);
  await waitConnected(channel, 5000);
  return channel;
}

/** Poll a condition (for state that has no event of its own, such as server-side counters). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}
