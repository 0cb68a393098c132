import { afterEach, describe, expect, test } from "bun:test";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createLogger } from "../../lib/log.ts";
import type { GroupChild, GroupSpawner } from "../../lib/process/group.ts";
import { createMediaControl } from "../../lib/robot/media-adapter.ts";
import type { MediaControl } from "../../lib/robot/media-control.ts";
import { fetchUploader } from "../../lib/media/upload.ts";

/** An ffmpeg stand-in: runs until stopped, never prints progress. */
class IdleChild implements GroupChild {
  static nextPid = 5000;
  pid = IdleChild.nextPid++;
  stopped = false;
  private closeStreams: (() => void)[] = [];
  stdout = new ReadableStream<Uint8Array>({ start: (c) => void this.closeStreams.push(() => c.close()) });
  stderr = new ReadableStream<Uint8Array>({ start: (c) => void this.closeStreams.push(() => c.close()) });
  private exit!: (code: number | null) => void;
  exited = new Promise<number | null>((r) => {
    this.exit = r;
  });
  constructor(readonly argv: string[]) {}
  signal(): void {}
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const close of this.closeStreams) close();
    this.exit(null);
  }
}

let media: MediaControl | undefined;
afterEach(async () => {
  await media?.close();
  media = undefined;
});

function setup(logLines?: string[]) {
  const children: IdleChild[] = [];
  const spawn: GroupSpawner = (argv) => {
    const child = new IdleChild(argv);
    children.push(child);
    return child;
  };
  const fetch = ((_url: string, init: RequestInit) => new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(new Error("aborted"))))) as unknown as typeof globalThis.fetch;
  const config = merge(defaults(), { platform: { stream_key: "k" } });
  media = createMediaControl(
    { config, target: { relayHost: "127.0.0.1", videoPort: 1, audioPort: 2, streamKey: "k", xres: 640, yres: 480 }, logEveryMs: 50 },
    { log: logLines ? createLogger("info", { write: (t: string) => logLines.push(t), isTTY: false } as unknown as NodeJS.WriteStream) : createLogger("silent"), upload: fetchUploader(fetch), spawn },
  );
  const live = (kind: "video" | "audio") => children.filter((c) => !c.stopped && c.argv.includes(kind === "video" ? "mpeg1video" : "mp2"));
  return { children, media, live };
}

describe("media control over the stream supervisor (one supervisor per stream)", () => {
  test("a resolution change restarts only video; the mic setting only audio", async () => {
    const { media, live, children } = setup();
    expect(live("video")).toHaveLength(1);
    expect(live("audio")).toHaveLength(1);
    const audio = live("audio")[0];
    expect(await media.update({ xres: 320, yres: 240 })).toEqual(["video"]);
    expect(live("video")).toHaveLength(1);
    expect(live("video")[0]?.argv.join(" ")).toContain("320");
    expect(live("audio")[0]).toBe(audio);
    expect(await media.update({ xres: 320, yres: 240 })).toEqual([]);
    expect(await media.update({ micEnabled: false })).toEqual(["audio"]);
    expect(live("audio")).toHaveLength(0);
    expect(await media.update({ bitrateKbps: 400 })).toEqual(["video"]);
    expect(live("video")[0]?.argv.join(" ")).toContain("400k");
    expect(children.filter((c) => c.argv.includes("mp2"))).toHaveLength(1);
  });

  test("VIDOFF/VIDON stop and start video alone; close stops everything", async () => {
    const { media, live } = setup();
    await media.stop("video");
    expect(live("video")).toHaveLength(0);
    expect(media.status().video.running).toBe(false);
    expect(live("audio")).toHaveLength(1);
    await media.start("video");
    expect(live("video")).toHaveLength(1);
    await media.close();
    expect(live("video").length + live("audio").length).toBe(0);
  });

  test("one periodic status line covers both streams (never one line per stream calling the other off)", async () => {
    const lines: string[] = [];
    const { media } = setup(lines);
    const status = () => lines.filter((l) => /video .*\| audio /.test(l));
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await Bun.sleep(20);
    };
    await until(() => status().length >= 2);
    expect(status().length).toBeGreaterThanOrEqual(2);
    for (const line of status()) expect(line).toContain("video DOWN | audio DOWN"); // both wanted, neither producing
    await media.stop("audio");
    const before = status().length;
    await until(() => status().length > before);
    expect(status().at(-1)).toContain("video DOWN | audio off");
    expect(lines.filter((l) => /\bvideo off\b/.test(l))).toEqual([]);
  });
});
