import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import { systemRoots } from "../lib/deps.ts";
import type { DoctorContext } from "../lib/doctor/check.ts";
import { runChecks } from "../lib/doctor/checks.ts";
import { hasRequiredFailure, reportJson, reportText } from "../lib/doctor/report.ts";
import { ExitCode, LetsrobotError, VerdictError } from "../lib/errors.ts";
import { connectSocket } from "../lib/net/socket-client.ts";
import { connectLegacySocket } from "../lib/net/socket-client-legacy.ts";
import { runProcess } from "../lib/process/run.ts";
import { configFlags } from "./args.ts";

export const doctorAction: Action<"doctor"> = async (args, deps) => {
  const roots = systemRoots(deps.env);
  const ctx: DoctorContext = {
    fetch: deps.fetch,
    sockets: { v4: connectSocket, v2: connectLegacySocket },
    runProcess,
    sysRoot: roots.sys,
    procRoot: roots.proc,
    devRoot: roots.dev,
    path: deps.env.PATH ?? "",
    dataDir: deps.cwd,
    now: () => new Date(),
  };
  try {
    const { config, path } = resolveConfig({ path: args.config, flags: configFlags(args), env: deps.env, cwd: deps.cwd });
    Object.assign(ctx, { config, configPath: path });
  } catch (error) {
    if (!(error instanceof LetsrobotError)) throw error;
    ctx.configError = { message: error.message, hint: error.hint };
  }
  const results = await runChecks(ctx);
  if (args.json) deps.out.json(reportJson(results));
  else deps.out.text(reportText(results, deps.columns));
  if (hasRequiredFailure(results)) throw new VerdictError("a required check failed", ExitCode.doctorFailed);
};
