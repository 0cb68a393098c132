/**
 * A process that is an Arduino Uno running real StandardFirmata: avr8js executes the firmware and its
 * UART is bridged to one end of a pty pair made by socat (a child of this process), so the driver under
 * test opens the other end, `<dir>/arduino`, through the same tty code a real board uses.
 *
 *   bun test/hardware/emulator-main.ts <dir> <firmware.hex>
 *
 * stdout: one JSON line per change of what the pins drive: {"t": epoch ms, "duty": {pin: 0-255},
 * "servo": {pin: µs}} plus {"event": "plugged" | "unplugged"} and replies to stdin commands:
 *   stats            → {"stats": {"simSeconds", "wallSeconds", "ratio"}}
 *   adc <ch> <volts> → sets an analog input
 *   unplug / replug  → ends / recreates the pty pair, as pulling and replugging the USB cable does
 * When the pty disappears the board stops; when it returns the board powers up afresh. The process (and
 * socat with it) ends when its stdin closes, so it never outlives the test.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { TtyPort } from "../../lib/hardware/tty-port.ts";
import { type PtyPair, startPtyPair } from "./pty-pair.ts";
import { AvrBoard, CLOCK_HZ } from "./avr-board.ts";
import { parseIntelHex } from "./intel-hex.ts";

const [dir, hexPath] = process.argv.slice(2);
if (!dir || !hexPath) {
  console.error("usage: emulator-main.ts <dir> <hex>");
  process.exit(2);
}
const path = join(dir, "board-side");
const arduino = join(dir, "arduino");
let pair: PtyPair | undefined;

async function plug(): Promise<void> {
  pair = await startPtyPair(arduino, path);
}

async function unplug(): Promise<void> {
  const gone = pair;
  pair = undefined;
  await gone?.unplug();
}
const flash = parseIntelHex(readFileSync(hexPath, "utf8"));
const WATCH = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const CHUNK = 8000; // 0.5 ms of simulated time between looks at the outside world
const now = () => performance.timeOrigin + performance.now();
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

let board: AvrBoard | undefined;
let port: TtyPort | undefined;
const analog = new Map<number, number>();
let simCycles = 0;
let wallMs = 0;
let last = "";

function snapshot(b: AvrBoard) {
  const duty: Record<number, number> = {};
  const servo: Record<number, number> = {};
  for (const pin of WATCH) {
    const width = b.servoPulse(pin);
    if (width === undefined) duty[pin] = b.duty(pin);
    else servo[pin] = Math.round(width / 2) * 2; // within a timer tick of jitter
  }
  return { duty, servo };
}

async function connect(): Promise<void> {
  for (;;) {
    if (existsSync(path)) {
      const p = new TtyPort({ path, baudRate: 57600 });
      try {
        await p.open();
        port = p;
        break;
      } catch {}
    }
    await Bun.sleep(20);
  }
  const b = new AvrBoard(flash); // plugging in powers the board up: a fresh start, as after a reset
  for (const [ch, v] of analog) b.setAnalog(ch, v);
  const out: number[] = [];
  b.onSerialOut = (byte) => out.push(byte);
  port.on("data", (data: Buffer) => b.sendSerial(data));
  port.once("close", () => {
    board = undefined;
    port = undefined;
    say({ event: "unplugged", t: now() });
    void connect();
  });
  board = b;
  last = "";
  say({ event: "plugged", t: now() });
  void runBoard(b, port, out);
}

async function runBoard(b: AvrBoard, p: TtyPort, out: number[]): Promise<void> {
  const startWall = now();
  const startCycles = b.cpu.cycles;
  while (board === b) {
    const wall = now();
    // never run ahead of real time: the firmware's millis() and the UART timing then match a real board
    const ahead = (b.cpu.cycles - startCycles) / (CLOCK_HZ / 1000) - (wall - startWall);
    if (ahead > 2) {
      await Bun.sleep(Math.min(ahead - 1, 5));
      continue;
    }
    const before = b.cpu.cycles;
    b.run(CHUNK);
    simCycles += b.cpu.cycles - before;
    wallMs += now() - wall;
    if (out.length > 0) p.write(Uint8Array.from(out.splice(0)));
    const snap = snapshot(b);
    const key = JSON.stringify(snap);
    if (key !== last) {
      last = key;
      say({ t: now(), cycles: b.cpu.cycles, ...snap });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const [op, a, b] = line.trim().split(/\s+/);
  if (op === "stats") say({ stats: { simSeconds: simCycles / CLOCK_HZ, wallSeconds: wallMs / 1000, ratio: simCycles / CLOCK_HZ / (wallMs / 1000 || 1) } });
  if (op === "unplug") void unplug().then(() => say({ done: "unplug" }));
  if (op === "replug") void plug().then(() => say({ done: "replug" }));
  if (op === "adc") {
    analog.set(Number(a), Number(b));
    board?.setAnalog(Number(a), Number(b));
  }
});
process.stdin.on("end", async () => {
  // the test went away (or is done): so do we, and socat with us (it also goes if we are killed)
  await unplug();
  process.exit(0);
});
await plug();
say({ pty: arduino });
void connect();
