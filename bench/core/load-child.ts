// One C3 load run in its own process, for the `at once` rounds of bench/suites/throughput.ts: starts our
// platform (`ours`) or the bare socket.io floor (`bare`), drives it at RATE commands/s from START_AT (epoch
// ms, so two of these measure the same seconds): WARM seconds not measured, then SECONDS measured; prints
// the run as one JSON line. Usage: bun bench/core/load-child.ts ROOT ours|bare RATE SECONDS WARM START_AT
import { atRate } from "../suites/throughput.ts";
import { startPlatformChild, startSocketIoFloor } from "./serve.ts";

const [root = ".", who = "ours", rate = "5000", seconds = "4", warm = "5", startAt = "0"] = process.argv.slice(2);
const run = await atRate(() => (who === "bare" ? startSocketIoFloor(root) : startPlatformChild(root)), Number(rate), Number(seconds), Number(warm), Number(startAt));
process.stdout.write(`${JSON.stringify(run)}\n`);
process.exit(0);
