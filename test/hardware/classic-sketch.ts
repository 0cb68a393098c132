import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TtyPort } from "../../lib/hardware/tty-port.ts";
import type { BodyView } from "./conformance.ts";
import { startPtyPair } from "./pty-pair.ts";

/**
 * A stand-in for a classic LetsRobot serial sketch (there is no single firmware to emulate: each robot's
 * sketch differs), on the far end of a real pty pair so the driver uses its real tty code. It reads one
 * word per line, tracks what the motors would do, and answers OK/ERR.
 */
export interface ClassicSketch {
  port: string;
  words: string[];
  body(): BodyView;
  /** Pull the cable (the pty pair goes away) and plug it back in (a new pair at the same paths). */
  unplug(): Promise<void>;
  replug(): Promise<void>;
  dispose(): Promise<void>;
}

const motion: Record<string, [number, number]> = { f: [1, 1], b: [-1, -1], l: [-1, 1], r: [1, -1], stop: [0, 0] };
const known = new Set([...Object.keys(motion), "u", "d", "pan_left", "pan_right", "centre", "led_on", "led_off"]);

export async function startClassicSketch(options: { reply?: boolean } = {}): Promise<ClassicSketch> {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-sketch-"));
  const port = join(dir, "arduino");
  const side = join(dir, "sketch-side");
  let pair = await startPtyPair(port, side);
  const words: string[] = [];
  let view: BodyView = { left: 0, right: 0, led: false, outputs: {} };
  let tty = await attach();

  async function attach(): Promise<TtyPort> {
    const t = new TtyPort({ path: side, baudRate: 9600 });
    await t.open();
    let pending = "";
    t.on("data", (data: Buffer) => {
      pending += data.toString("latin1");
      for (let end = pending.indexOf("\r\n"); end >= 0; end = pending.indexOf("\r\n")) {
        const word = pending.slice(0, end);
        pending = pending.slice(end + 2);
        words.push(word);
        const m = motion[word];
        if (m) view = { ...view, left: m[0], right: m[1] };
        const onOff = /^(.+)_(on|off)$/.exec(word);
        if (onOff && onOff[1] === "led") view = { ...view, led: onOff[2] === "on" };
        else if (onOff) view = { ...view, outputs: { ...view.outputs, [onOff[1]!]: onOff[2] === "on" } };
        if (options.reply) t.write(known.has(word) ? `OK ${word}\r\n` : `ERR unknown ${word}\r\n`);
      }
    });
    return t;
  }

  return {
    port,
    words,
    body: () => ({ ...view, outputs: { ...view.outputs } }),
    async unplug() {
      await pair.unplug();
      await tty.close();
      view = { ...view, left: 0, right: 0 }; // unpowered, the motors stop
    },
    async replug() {
      pair = await startPtyPair(port, side);
      tty = await attach();
    },
    async dispose() {
      await tty.close();
      await pair.unplug();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
