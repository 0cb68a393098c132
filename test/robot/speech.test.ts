import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaults } from "../../lib/config/schema.ts";
import { merge } from "../../lib/config/validate.ts";
import { createLogger } from "../../lib/log.ts";
import { type GroupSpawner, spawnGroup } from "../../lib/process/group.ts";
import { runProcess } from "../../lib/process/run.ts";
import { outputStep, picoLanguage, synthStep } from "../../lib/speech/engines.ts";
import { cutToLength, speechFor, withoutUrls } from "../../lib/speech/filter.ts";
import { SpeechQueue } from "../../lib/speech/queue.ts";
import { createSpeaker } from "../../lib/speech/speaker.ts";
import { FakeClock } from "./fakes.ts";
import { alive } from "./run-process.ts";
import { wavRms } from "./wav.ts";

const tts = defaults().tts;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("what is spoken", () => {
  test.each([
    ["hello robot", "hello robot"],
    ["look at https://example.com/x?y=1 now", "look at now"],
    ["visit www.spam.net", "visit"],
    ["go to evil.com/path please", "go to please"],
    ["tabs\tand\nnewlines", "tabs and newlines"],
    ["3 + 4", "3 + 4"],
  ])("%p → %p", (text, said) => expect(speechFor({ text, anonymous: false }, tts)).toEqual({ speak: true, text: said }));

  test.each([
    [{ text: ".table on", anonymous: false }, tts, "chat command"],
    [{ text: "http://only.a/link", anonymous: false }, tts, "nothing to say"],
    [{ text: "!!!", anonymous: false }, tts, "nothing to say"],
    [{ text: "hi", anonymous: true }, { ...tts, allow_anonymous: false }, "anonymous messages are not spoken"],
  ])("not spoken: %p", (message, options, reason) => expect(speechFor(message, options)).toEqual({ speak: false, reason }));

  test("links are kept when the filter is off; long text is cut on a word", () => {
    expect(speechFor({ text: "see http://x.io", anonymous: false }, { ...tts, filter_urls: false })).toEqual({ speak: true, text: "see http://x.io" });
    expect(cutToLength("one two three four", 10)).toBe("one two");
    expect(cutToLength("abcdefghijklmnop", 5)).toBe("abcde");
    expect(withoutUrls("a.b c")).toBe("a.b c");
  });
});

describe("engine command lines", () => {
  test("text goes through stdin for espeak-ng and festival; pico gets it after --", () => {
    expect(synthStep("espeak-ng", "-rf /", "en", "/t/1.wav")).toEqual({ argv: ["espeak-ng", "-v", "en", "-w", "/t/1.wav", "--stdin"], stdin: "-rf /" });
    expect(synthStep("festival", "hi", "en", "/t/1.wav")).toEqual({ argv: ["text2wave", "-o", "/t/1.wav"], stdin: "hi" });
    expect(synthStep("pico", "-hi", "de", "/t/1.wav").argv).toEqual(["pico2wave", "-l", "de-DE", "-w", "/t/1.wav", "--", "-hi"]);
    expect(picoLanguage("en-gb")).toBe("en-GB");
    expect(picoLanguage("xx")).toBe("en-US");
  });

  test("sox applies the volume and plays on a named card or writes a file", () => {
    expect(outputStep("/t/1.wav", 80, { kind: "alsa", pcm: "plughw:CARD=Device" }).argv).toEqual(["sox", "-q", "-v", "0.80", "/t/1.wav", "-t", "alsa", "plughw:CARD=Device"]);
    expect(outputStep("/t/1.wav", 150, { kind: "file", path: "/o.wav" }).argv).toEqual(["sox", "-q", "-v", "1.00", "/t/1.wav", "/o.wav"]);
  });
});

describe("speech queue", () => {
  function setup(delayMs = 0) {
    const clock = new FakeClock();
    const said: string[] = [];
    let release: (() => void) | undefined;
    let concurrent = 0;
    let maxConcurrent = 0;
    const queue = new SpeechQueue({
      clock,
      delayMs,
      volume: 80,
      say: (text) => {
        said.push(text);
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        return new Promise<void>((r) => {
          release = () => {
            concurrent -= 1;
            r();
          };
        });
      },
    });
    const finishOne = async () => {
      release?.();
      await Bun.sleep(0);
    };
    return { clock, said, queue, finishOne, maxConcurrent: () => maxConcurrent };
  }

  test("one message at a time, in order", async () => {
    const { said, queue, finishOne, maxConcurrent } = setup();
    for (const t of ["a", "b", "c"]) queue.enqueue({ id: t, user: "u", text: t });
    expect(said).toEqual(["a"]);
    await finishOne();
    await finishOne();
    await finishOne();
    expect(said).toEqual(["a", "b", "c"]);
    expect(maxConcurrent()).toBe(1);
  });

  test("with a delay, message_removed cancels before it is spoken", async () => {
    const { clock, said, queue } = setup(2000);
    queue.enqueue({ id: "m1", user: "u", text: "rude" });
    queue.enqueue({ id: "m2", user: "u", text: "nice" });
    clock.advance(1000);
    expect(queue.cancel("m1")).toBe(true);
    clock.advance(1000);
    expect(said).toEqual(["nice"]);
    expect(queue.cancel("m2")).toBe(false);
  });

  test("per-user mute drops waiting and new messages; global mute and volume", async () => {
    const { said, queue, finishOne } = setup();
    queue.enqueue({ id: "1", user: "ann", text: "first" });
    queue.enqueue({ id: "2", user: "Eve", text: "spam" });
    queue.muteUser("eve", true);
    expect(queue.enqueue({ id: "3", user: "EVE", text: "more" })).toBe(false);
    await finishOne();
    expect(said).toEqual(["first"]);
    queue.muteUser("eve", false);
    queue.setMuted(true);
    expect(queue.enqueue({ id: "4", user: "ann", text: "x" })).toBe(false);
    queue.setVolume(300);
    expect(queue.status().volume).toBe(100);
  });

  test("a full queue drops new messages instead of growing", () => {
    const { queue } = setup(10_000);
    let accepted = 0;
    for (let i = 0; i < 50; i++) if (queue.enqueue({ id: String(i), user: "u", text: "x" })) accepted += 1;
    expect(accepted).toBe(20);
  });
});

describe("real espeak-ng into a WAV file", () => {
  const log = createLogger("warn");
  test("chat is spoken into a non-silent WAV; volume 0 is silent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-tts-"));
    dirs.push(dir);
    const config = merge(defaults(), { tts: { output_dir: dir } });
    const speaker = await createSpeaker(config.tts, { runProcess, log });
    if (!speaker) throw new Error("no speaker");
    expect(speaker.describe).toContain(dir);
    await speaker.say("hello from the robot", 80);
    await speaker.say("quiet please", 0);
    speaker.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["speech-000001.wav", "speech-000002.wav"]);
    const loud = wavRms(join(dir, files[0] as string));
    expect(loud.seconds).toBeGreaterThan(0.5);
    expect(loud.rms).toBeGreaterThan(0.01);
    expect(wavRms(join(dir, files[1] as string)).rms).toBe(0);
  });

  test("aborting a message kills the engine at once (no orphaned espeak-ng)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-tts-"));
    dirs.push(dir);
    const pids: number[] = [];
    const spawn: GroupSpawner = (argv, options) => {
      const child = spawnGroup(argv, options);
      pids.push(child.pid);
      return child;
    };
    const speaker = await createSpeaker(merge(defaults(), { tts: { output_dir: dir } }).tts, { runProcess, spawn, log });
    const abort = new AbortController();
    const long = "the quick brown fox jumps over the lazy dog. ".repeat(400);
    const saying = speaker!.say(long, 80, abort.signal);
    while (pids.length === 0) await Bun.sleep(5);
    abort.abort();
    await expect(saying).rejects.toThrow("cancelled");
    speaker!.close();
    expect(pids.every((pid) => !alive(pid))).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a missing engine is a config error with an install hint", async () => {
    const missing = async () => ({ code: null, stdout: "", stderr: "", missing: true });
    const error = await createSpeaker({ ...tts, engine: "pico" }, { runProcess: missing, log }).catch((e: Error & { hint?: string }) => e);
    expect((error as Error).message).toContain("pico2wave is not installed");
    expect((error as { hint?: string }).hint).toContain("libttspico-utils");
    expect(await createSpeaker({ ...tts, engine: "none" }, { runProcess: missing, log })).toBeUndefined();
  });
});
