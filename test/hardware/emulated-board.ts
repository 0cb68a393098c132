import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureFirmataHex } from "./firmware.ts";

/** What the emulated Uno's pins drive, as reported by the emulator process. */
export interface PinSnapshot {
  /** Epoch milliseconds (performance.timeOrigin + now()) when the emulator saw this state. */
  t: number;
  /** PWM duty 0-255 per digital pin (0/255 for plain outputs and inputs). */
  duty: Record<string, number>;
  /** Servo pulse width in µs per pin that carries a servo signal. */
  servo: Record<string, number>;
}

interface EmulatorStats {
  simSeconds: number;
  wallSeconds: number;
  /** Simulated seconds per second of CPU spent emulating: >1 means faster than a real Uno. */
  ratio: number;
}

export interface EmulatedBoard {
  /** The pty the driver opens, like /dev/ttyACM0 for a real board. */
  port: string;
  latest(): PinSnapshot | undefined;
  /** Every pin change since the start, oldest first. */
  history: PinSnapshot[];
  /** Resolves with the first snapshot (from now on, or the latest) that passes `check`; bounded. */
  waitFor(check: (s: PinSnapshot) => boolean, timeoutMs?: number, what?: string): Promise<PinSnapshot>;
  waitEvent(name: "plugged" | "unplugged", timeoutMs?: number): Promise<void>;
  stats(): Promise<EmulatorStats>;
  setAnalog(channel: number, volts: number): void;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  dispose(): Promise<void>;
}

type Line = Partial<PinSnapshot> & { event?: string; stats?: EmulatorStats; done?: string; pty?: string };

/** Start an emulated Arduino Uno running StandardFirmata behind a pty (needs socat). */
export async function startEmulatedBoard(): Promise<EmulatedBoard> {
  const hex = await ensureFirmataHex();
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-uno-"));
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "emulator-main.ts"), dir, hex], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const history: PinSnapshot[] = [];
  const waiters = new Set<(line: Line) => void>();
  let port: string | undefined;

  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Line;
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
        if (line.pty) port = line.pty;
        if (line.duty) history.push(line as PinSnapshot);
        for (const waiter of [...waiters]) waiter(line);
      }
    }
  })();

  const next = <T>(pick: (line: Line) => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`emulated board: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = (line: Line) => {
        const value = pick(line);
        if (value === undefined) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(value);
      };
      waiters.add(waiter);
    });
  const send = (command: string) => {
    child.stdin.write(`${command}\n`);
    child.stdin.flush();
  };

  // the board is powered and listening on its end before anyone opens the port, as on a desk
  const ready = next((l) => l.pty, 20000, "the pty");
  const powered = next((l) => (l.event === "plugged" ? true : undefined), 20000, "the board to power up");
  await Promise.all([ready, powered]);

  const board: EmulatedBoard = {
    get port() {
      return port!;
    },
    latest: () => history.at(-1),
    history,
    waitFor(check, timeoutMs = 5000, what = "a pin state") {
      const last = history.at(-1);
      if (last && check(last)) return Promise.resolve(last);
      return next((l) => (l.duty && check(l as PinSnapshot) ? (l as PinSnapshot) : undefined), timeoutMs, what);
    },
    waitEvent: (name, timeoutMs = 10000) => next((l) => (l.event === name ? true : undefined), timeoutMs, `the ${name} event`).then(() => {}),
    async stats() {
      const reply = next((l) => l.stats, 5000, "stats");
      send("stats");
      return await reply;
    },
    setAnalog: (channel, volts) => send(`adc ${channel} ${volts}`),
    async unplug() {
      const done = next((l) => (l.done === "unplug" ? true : undefined), 5000, "unplug");
      send("unplug");
      await done;
    },
    async replug() {
      const done = next((l) => (l.done === "replug" ? true : undefined), 5000, "replug");
      send("replug");
      await done;
    },
    async dispose() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 2000); // a stuck emulator (socat goes with it)
      await child.exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return board;
}
