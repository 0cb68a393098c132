#!/usr/bin/env bun
import { dispatch } from "../commands/dispatch.ts";
import { createRootCommand } from "../commands/index.ts";
import { realDeps } from "../lib/deps.ts";
import { causeChain, errorReport, ExitCode, LetsrobotError, UsageError } from "../lib/errors.ts";
import type { LogLevelName } from "../lib/log.ts";
import { LastStops } from "../lib/robot/lifecycle.ts";

const argv = process.argv.slice(2);
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
  const { printed } = await dispatch(createRootCommand(deps), argv, deps.version);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips colour codes when stdout is not a terminal
  if (printed !== undefined) deps.out.text(deps.interactive ? printed : printed.replace(/\u001b\[[0-9;]*m/g, ""));
} catch (error) {
  // citty reports bad arguments (missing positional, bad enum) as CLIError
  const known = error instanceof LetsrobotError ? error : (error as Error)?.name === "CLIError" ? new UsageError((error as Error).message, "see --help") : undefined;
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
