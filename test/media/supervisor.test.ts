import { afterEach, describe, expect, test } from "bun:test";
import { createLogger } from "../../lib/log.ts";
import type { StreamPlan, StreamTarget } from "../../lib/media/plan.ts";
import { type StreamSupervisor, superviseStreams } from "../../lib/media/supervisor.ts";
import { fetchUploader, type Uploader } from "../../lib/media/upload.ts";
import type { GroupChild, GroupSpawner } from "../../lib/process/group.ts";
import { waitUntil } from "./helpers.ts";

/** The supervisor's decisions with a fake spawner and a fake fetch: no processes, no sockets. */
class FakeChild implements GroupChild {
  static nextPid = 1000;
  pid = FakeChild.nextPid++;
  stops = 0;
  signals: string[] = [];
  private out!: ReadableStreamDefaultController<Uint8Array>;
  private err!: ReadableStreamDefaultController<Uint8Array>;
  private exit!: (code: number | null) => void;
  stdout = new ReadableStream<Uint8Array>({ start: (c) => void (this.out = c) });
  stderr = new ReadableStream<Uint8Array>({ start: (c) => void (this.err = c) });
  exited = new Promise<number | null>((resolve) => {
    this.exit = resolve;
  });
  private frames = 0;

  constructor(readonly argv: string[]) {}
  say(text: string) {
    try {
      this.err.enqueue(new TextEncoder().encode(text));
    } catch {
      // this ffmpeg is gone
    }
  }
  progress() {
    this.frames += 15;
    this.say(`frame=${this.frames}\nfps=30.0\nbitrate= 500.0kbits/s\ntotal_size=${this.frames * 100}\nout_time_us=${this.frames * 33333}\nspeed=1.0x\nprogress=continue\n`);
  }
  die(code: number, line?: string) {
    if (line) this.say(`${line}\n`);
    this.end(code);
  }
  private end(code: number | null) {
    try {
      this.out.close();
      this.err.close();
    } catch {
      // already closed
    }
    this.exit(code);
  }
  signal(signal: NodeJS.Signals) {
    this.signals.push(signal);
  }
  async stop() {
    this.stops += 1;
    this.end(null);
    await this.exited;
  }
}

function fakes() {
  const children: FakeChild[] = [];
  const spawn: GroupSpawner = (argv) => {
    const child = new FakeChild(argv);
    children.push(child);
    return child;
  };
  const urls: string[] = [];
  // an upload that stays open until it is aborted, like a relay that accepted the stream
  const upload: Uploader = (url) => {
    urls.push(url.toString());
    let reject: (error: Error) => void = () => {};
    const answered = new Promise<number>((_, no) => {
      reject = no;
    });
    answered.catch(() => undefined);
    return { answered, delivery: () => ({ written: 0 }), abort: () => reject(new Error("aborted")) };
  };
  return { children, spawn, upload, urls };
}

const target: StreamTarget = { relayHost: "relay.one", videoPort: 1, audioPort: 2, streamKey: "key", xres: 640, yres: 480 };
const plan = (kinds: ("video" | "audio")[]): StreamPlan => ({
  secrets: ["key"],
  ...Object.fromEntries(kinds.map((kind) => [kind, { kind, source: `fake ${kind}`, argv: ["ffmpeg", kind], url: `http://relay.one:${kind === "video" ? 1 : 2}/key/640/480/` }])),
});
const log = createLogger("silent");
let supervisor: StreamSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

describe("supervisor decisions (fake spawner)", () => {
  test("status is truthful: not running before progress, running with it, down when ffmpeg dies", async () => {
    const f = fakes();
    supervisor = superviseStreams(plan(["video"]), { log, upload: f.upload, spawn: f.spawn }, { backoff: { baseMs: 60000, capMs: 60000, jitter: 0 } });
    const child = f.children[0] as FakeChild;
    expect(supervisor.status().video).toMatchObject({ running: false, pid: child.pid, restarts: 0 });
    expect(supervisor.status().audio).toMatchObject({ running: false, disabled: true });
    child.progress();
    await waitUntil(() => supervisor?.status().video.running === true, 2000, "running");
    expect(supervisor.status().video).toMatchObject({ fps: 30, kbps: 500, frames: 15, speed: 1 });
    child.die(1, "[video4linux2,v4l2 @ 0x1] Cannot open video device /dev/video0: No such file or directory");
    await waitUntil(() => supervisor?.status().video.lastError !== undefined, 2000, "the failure");
    expect(supervisor.status().video.running).toBe(false);
    expect(supervisor.status().video.lastError).toBe(
      "ffmpeg exited (code 1): the device or file does not exist (unplugged, or wrong name?) (ffmpeg: Cannot open video device /dev/video0: No such file or directory)",
    );
  });

  test("a stall (progress stops) kills that ffmpeg once and starts a new one", async () => {
    const f = fakes();
    supervisor = superviseStreams(plan(["video", "audio"]), { log, upload: f.upload, spawn: f.spawn }, { stallMs: 300, backoff: { baseMs: 10, capMs: 10, jitter: 0 } });
    const [video, audio] = f.children as [FakeChild, FakeChild];
    const keepAudioAlive = setInterval(() => audio.progress(), 50);
    try {
      video.progress();
      await waitUntil(() => f.children.length === 3, 3000, "a new video ffmpeg");
      expect(video.stops).toBe(1);
      expect(f.children[2]?.argv).toEqual(["ffmpeg", "video"]);
      expect(supervisor.status().video.restarts).toBe(1);
      expect(supervisor.status().video.lastError).toMatch(/^stalled: ffmpeg made no progress for 0\.\d s$/);
      expect(supervisor.status().audio).toMatchObject({ running: true, restarts: 0 });
    } finally {
      clearInterval(keepAudioAlive);
    }
  });

  test("after every 3 consecutive failures the relay is looked up again and the new address used", async () => {
    const f = fakes();
    let lookups = 0;
    const resolveTarget = async () => {
      lookups += 1;
      return { ...target, relayHost: `relay-${lookups + 1}.example` };
    };
    supervisor = superviseStreams(plan(["video"]), { log, upload: f.upload, spawn: f.spawn }, { resolveTarget, backoff: { baseMs: 1, capMs: 5, jitter: 0 } });
    for (let i = 0; i < 7; i++) {
      await waitUntil(() => f.children.length > i, 2000, `ffmpeg ${i + 1}`);
      (f.children[i] as FakeChild).die(1, "boom");
    }
    await waitUntil(() => f.urls.length >= 8, 2000, "the 8th upload");
    expect(lookups).toBe(2);
    expect(f.urls.map((u) => new URL(u).hostname)).toEqual(["relay.one", "relay.one", "relay.one", "relay-2.example", "relay-2.example", "relay-2.example", "relay-3.example", "relay-3.example"]);
  });

  test("restart(kind) replaces only that stream, at once, without counting a failure", async () => {
    const f = fakes();
    supervisor = superviseStreams(plan(["video", "audio"]), { log, upload: f.upload, spawn: f.spawn }, { backoff: { baseMs: 60000, capMs: 60000, jitter: 0 } });
    supervisor.restart("audio");
    await waitUntil(() => f.children.length === 3, 2000, "a new audio ffmpeg");
    expect(f.children.map((c) => c.argv[1])).toEqual(["video", "audio", "audio"]);
    expect(supervisor.status().audio).toMatchObject({ restarts: 1, lastError: undefined });
    expect(supervisor.status().video.restarts).toBe(0);
  });

  test("stop() ends each ffmpeg once and starts nothing more; the shutdown signal does the same", async () => {
    const f = fakes();
    const shutdown = new AbortController();
    const s = superviseStreams(plan(["video", "audio"]), { log, upload: f.upload, spawn: f.spawn, shutdown: shutdown.signal });
    shutdown.abort();
    await s.stop();
    expect(f.children.map((c) => c.stops)).toEqual([1, 1]);
    await Bun.sleep(50);
    expect(f.children).toHaveLength(2);
    expect(s.status().video.running).toBe(false);
  });

  test("not on a terminal: periodic plain status lines in the log", async () => {
    const f = fakes();
    const lines: string[] = [];
    const stream = { write: (text: string) => lines.push(text), isTTY: false } as unknown as NodeJS.WriteStream;
    supervisor = superviseStreams(plan(["video"]), { log: createLogger("info", stream), upload: f.upload, spawn: f.spawn }, { logEveryMs: 100 });
    const child = f.children[0] as FakeChild;
    const timer = setInterval(() => child.progress(), 50);
    try {
      await waitUntil(() => lines.some((l) => /video 30\.0 fps 500 kbit\/s \d+ frames 1\.00x \| audio off/.test(l)), 3000, "a status line");
    } finally {
      clearInterval(timer);
    }
  });

  test("on a terminal: one live status line, rewritten, cleared on stop", async () => {
    const f = fakes();
    const shown: string[] = [];
    const s = superviseStreams(plan(["video", "audio"]), { log, upload: f.upload, spawn: f.spawn, interactive: true, statusLine: (text) => shown.push(text) });
    const [video] = f.children as [FakeChild, FakeChild];
    const timer = setInterval(() => video.progress(), 50);
    try {
      await waitUntil(() => shown.some((l) => l.startsWith("video 30.0 fps 500 kbit/s")), 3000, "a live line");
    } finally {
      clearInterval(timer);
    }
    expect(shown.find((l) => l.startsWith("video 30.0"))).toMatch(/ \| audio DOWN$/);
    await s.stop();
    expect(shown.at(-1)).toBe("");
  });

  test("the fetch uploader carries the upload through the fetch it was given", async () => {
    const f = fakes();
    const urls: string[] = [];
    const fetch = ((url: URL, init: RequestInit) => {
      urls.push(url.toString());
      return new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(new Error("aborted"))));
    }) as unknown as typeof globalThis.fetch;
    supervisor = superviseStreams(plan(["video"]), { log, upload: fetchUploader(fetch), spawn: f.spawn });
    expect(urls).toEqual(["http://relay.one:1/key/640/480/"]);
    await supervisor.stop();
    expect(f.children).toHaveLength(1);
  });

  test("a new ffmpeg gets the startup window before its first output, then the stall window", async () => {
    const f = fakes();
    supervisor = superviseStreams(plan(["video"]), { log, upload: f.upload, spawn: f.spawn }, { stallMs: 100, startupMs: 600, backoff: { baseMs: 10, capMs: 10, jitter: 0 } });
    const first = f.children[0] as FakeChild;
    const idle = setInterval(() => first.say("frame=0\nfps=0.00\ntotal_size=0\nout_time_us=0\nprogress=continue\n"), 30);
    try {
      await Bun.sleep(300);
      expect(f.children).toHaveLength(1);
      await waitUntil(() => f.children.length === 2, 3000, "the restart after the startup window");
      expect(supervisor.status().video.lastError).toMatch(/^stalled: ffmpeg produced nothing in the 0\.\d s after it started$/);
    } finally {
      clearInterval(idle);
    }
  });
});
