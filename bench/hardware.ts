/**
 * L3 (docs/performance.md), robot side: command → pin change on the emulated Arduino. The Firmata driver (the same
 * code `run` uses) applies a drive action; the emulated ATmega328P running real StandardFirmata reports
 * when its PWM compare register takes the new duty. Several rounds; median, p95, min and max per round.
 *
 *   bun bench/hardware.ts [--rounds 3] [--commands 40]
 */
import { parseArgs } from "node:util";
import { defaults } from "../lib/config/schema.ts";
import { createFirmataDriver } from "../lib/hardware/drivers/firmata.ts";
import { createLogger } from "../lib/log.ts";
import { startEmulatedBoard } from "../test/hardware/emulated-board.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, commands: { type: "string", default: "40" } } });
const rounds = Number(values.rounds);
const commands = Number(values.commands);
const epoch = () => performance.timeOrigin + performance.now();
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const ms = (n: number) => n.toFixed(2).padStart(7);

const board = await startEmulatedBoard();
const hw = { ...defaults().hardware, driver: "firmata" as const, port: board.port, speed: 255 };
const driver = createFirmataDriver(hw, { log: createLogger("warn") });
try {
  await driver.open();
  console.log(`L3 command → pin change on an emulated Uno (StandardFirmata 57600 baud over a pty), ${rounds} rounds × ${commands} commands`);
  console.log("target: end-to-end viewer → pin p95 ≤ 100 ms (this is the robot → board share of it)");
  console.log("floor: a 3-byte Firmata analog message takes 0.52 ms on the wire at 57600 baud\n");
  console.log("round   median      p95      min      max   (ms, pin seen by the emulator)   median seen by the robot");
  const medians: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const atBoard: number[] = [];
    const atRobot: number[] = [];
    for (let i = 0; i < commands; i++) {
      const duty = 60 + ((round * commands + i) % 180); // a new duty each time, so each change is unambiguous
      const speed = duty / 255;
      const sent = epoch();
      await driver.apply({ kind: "drive", left: speed, right: speed });
      const seen = await board.waitFor((s) => s.t >= sent && s.duty[5] === duty, 5000, `duty ${duty}`);
      atBoard.push(seen.t - sent);
      atRobot.push(epoch() - sent);
    }
    atBoard.sort((a, b) => a - b);
    atRobot.sort((a, b) => a - b);
    medians.push(quantile(atBoard, 0.5));
    console.log(`${String(round).padStart(5)}  ${ms(quantile(atBoard, 0.5))}  ${ms(quantile(atBoard, 0.95))}  ${ms(atBoard[0]!)}  ${ms(atBoard.at(-1)!)}   ${" ".repeat(33)}${ms(quantile(atRobot, 0.5))}`);
  }
  await driver.stop();
  const stats = await board.stats();
  medians.sort((a, b) => a - b);
  console.log(`\nmedian of round medians: ${medians[Math.floor(medians.length / 2)]!.toFixed(2)} ms`);
  console.log(`emulator speed: ${stats.ratio.toFixed(2)}× real time when running flat out (it is paced to at most 1.00×; below 1 the latencies include emulation lag)`);
} finally {
  await driver.close();
  await board.dispose();
}
