#!/usr/bin/env bun
import type { LogLevelName } from "../lib/log.ts";
import { VERSION } from "../lib/version.ts";

const argv = process.argv.slice(2);
// a bare --version is answered before anything else loads: start-up cost is the binary's own (S1)
if (argv.length === 1 && argv[0] === "--version") {
  console.log(VERSION);
  process.exit(0);
}
// then the command tree alone: help and usage at any depth are answered before the deps, the logger or any
// command's module load (S1), printed with console.log because process.stdout costs start-up time
const [{ dispatch }, { rootCommand }] = await Promise.all([import("../commands/dispatch.ts"), import("../commands/index.ts")]);
const chosen = await dispatch(rootCommand, argv, VERSION).catch((error: unknown) => ({ error }));
if ("printed" in chosen) {
  console.log(chosen.printed);
  process.exit(0);
}
const [{ realDeps }, { causeChain, errorReport, ExitCode, LetsrobotError }, { LastStops }] = await Promise.all([
  import("../lib/deps.ts"),
  import("../lib/errors.ts"),
  import("../lib/process/lifecycle.ts"),
]);
const verbose = argv.includes("--verbose") || argv.includes("-v");
const level: LogLevelName = verbose ? "debug" : argv.includes("--quiet") || argv.includes("-q") ? "warn" : "info";

const stop = new AbortController();
const lastStops = new LastStops();
let signals = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    signals += 1;
    // a second Ctrl-C forces the exit, but the motors are told to stop first (at most 1 s)
    if (signals === 2) void lastStops.run(1000).finally(() => process.exit(ExitCode.interrupted));
    if (signals === 1) stop.abort(signal);
  });
}

const BUG_HINT = "this is a bug in letsrobot; run again with --verbose and report the output";
const deps = realDeps({ level, shutdown: stop.signal, lastStops });
let code: number = ExitCode.ok;
try {
  if ("error" in chosen) throw chosen.error;
  await chosen.run(deps);
} catch (error) {
  const known = error instanceof LetsrobotError ? error : undefined;
  if (known) {
    if (known.exitCode !== ExitCode.doctorFailed) deps.log.error(known.message);
    if (known.hint) deps.log.info(`hint: ${known.hint}`);
    if (verbose) deps.log.debug(causeChain(known).join("\ncaused by: "));
    code = known.exitCode;
  } else {
    deps.log.error(error instanceof Error ? (verbose ? error.stack : error.message) : String(error));
    if (!verbose) deps.log.info(`hint: ${BUG_HINT}`);
    code = ExitCode.unexpected;
  }
  if (argv.includes("--json") && !deps.out.wroteJson?.()) {
    const bug = new LetsrobotError(error instanceof Error ? error.message : String(error), BUG_HINT);
    deps.out.text(JSON.stringify(errorReport(known ?? bug)));
  }
}
if (stop.signal.aborted && code === ExitCode.ok) code = ExitCode.interrupted;
process.exit(code);
