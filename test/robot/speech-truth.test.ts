import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import { SpeechQueue } from "../../lib/speech/queue.ts";
import { cleanEnv, runCli } from "../helpers/cli.ts";
import { FakeClock } from "./fakes.ts";
import { until } from "./harness.ts";
import { runWithViewer } from "./run-process.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A /proc with one sound card that can record but not play: a machine with a mic and no speaker. */
function procWithoutSpeaker(): string {
  const root = mkdtempSync(join(tmpdir(), "letsrobot-proc-"));
  mkdirSync(join(root, "asound"));
  writeFileSync(join(root, "asound/cards"), " 0 [Mic            ]: USB-Audio - USB Mic\n                      USB Mic at usb-0000:01:00.0-1.2\n");
  writeFileSync(join(root, "asound/pcm"), "00-00: USB Audio : USB Audio : capture 1\n");
  return root;
}

describe("speech failures are reported once", () => {
  test("a speaker that fails every message warns once per run of failures, not per message", async () => {
    const warnings: string[] = [];
    const log = createLogger("silent");
    log.warn = ((m: string) => void warnings.push(m)) as typeof log.warn;
    let fail = true;
    const spoken: string[] = [];
    const queue = new SpeechQueue({
      say: async () => {
        if (fail) throw new Error("aplay: no such device");
      },
      clock: new FakeClock(),
      delayMs: 0,
      volume: 1,
      log,
      onSpoken: (i) => spoken.push(i.text),
    });
    for (const t of ["a", "b", "c"]) queue.enqueue({ id: t, user: "u", text: t });
    await queue.drained();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("speech failed: aplay: no such device");
    fail = false;
    queue.enqueue({ id: "d", user: "u", text: "d" });
    await queue.drained();
    fail = true;
    queue.enqueue({ id: "e", user: "u", text: "e" });
    await queue.drained();
    expect(warnings).toHaveLength(2); // it worked in between: a new failure is news again
    expect(spoken).toEqual(["d"]);
    expect(queue.status().spoken).toBe(1);
  });
});

describe.skipIf(!Bun.which("espeak-ng"))("no speaker: run and doctor agree", () => {
  test("run warns once, chat events say queued: false with the reason, nothing is 'spoken'; doctor says the same", async () => {
    const env = cleanEnv({ LETSROBOT_PROC_ROOT: procWithoutSpeaker(), LETSROBOT_VIDEO_ENABLED: "false", LETSROBOT_AUDIO_ENABLED: "false" });
    const { run, robotId, viewer } = await runWithViewer(["--port", "0", "--json"], env, "chat", cleanups);
    for (const message of ["one", "two", "three"]) {
      await new Promise((resolve) => viewer.emit("chat_message", { robot_id: robotId, message }, resolve));
    }
    const chats = () => run.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.type === "chat");
    await until(() => chats().length >= 3, 5000, "three chat events");
    await Bun.sleep(500);
    const events = run.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(chats().map((e) => [e.text, e.queued, e.reason])).toEqual(["one", "two", "three"].map((t) => [t, false, "no speaker: this machine has no sound card that can play"]));
    expect(events.some((e) => e.type === "spoken")).toBe(false);
    expect(run.stderr().match(/no speaker/g) ?? []).toHaveLength(1);
    expect(run.stderr()).not.toContain("speech failed");

    const doctor = await runCli(["doctor", "--json"], { env });
    const speech = (JSON.parse(doctor.stdout).checks as { id: string; status: string; detail: string }[]).find((c) => c.id === "speech");
    expect(speech).toMatchObject({ status: "warn", detail: "no speaker: this machine has no sound card that can play; chat will not be spoken" });
  }, 40_000);
});
