import { readFileSync, statSync } from "node:fs";
import { type Config, secretsOf } from "../config/schema.ts";
import { describeEngineIo, probeSocket } from "../net/handshake.ts";
import { identifyAsRobot } from "./identify.ts";
import { checkRemoServer } from "../remo/doctor.ts";
import { infoUrl, probeLookups } from "../platform/client.ts";
import type { HostPort } from "../net/channel.ts";
import { type Check, type CheckResult, type DoctorContext, type Outcome, pass, skip } from "./check.ts";

/** The config file holds a secret (robot key, stream key, token) and users other than its owner may read it. */
function secretsReadableByOthers(path: string, config: Config): boolean {
  try {
    if ((statSync(path).mode & 0o077) === 0) return false;
    const text = readFileSync(path, "utf8");
    return secretsOf(config).some((secret) => text.includes(secret));
  } catch {
    return false;
  }
}

/** "control, chat, relay: the certificate is not trusted": failed lookups grouped by cause, each cause said once. */
function failuresByCause(failed: { name: string; error?: Error }[]): string {
  const names = new Map<string, string[]>();
  for (const r of failed) {
    const cause = r.error?.message ?? "failed";
    names.set(cause, [...(names.get(cause) ?? []), r.name]);
  }
  return [...names].map(([cause, which]) => `${which.join(", ")}: ${cause}`).join("; ");
}

const REMO_ONLY = "platform.protocol = remo: see the Remo server check";

async function socketCheck(target: HostPort | undefined, name: string, ctx: DoctorContext): Promise<Outcome> {
  if (!target) return skip(`no ${name} host (lookup failed)`);
  const result = await probeSocket(target, { fetch: ctx.fetch, timeoutMs: ctx.config?.platform.timeout_ms ?? 5000 });
  if (!result.ok) return { status: "fail", detail: `${result.url}: ${result.error}`, hint: `check that the ${name} server at ${target.host}:${target.port} is running and reachable` };
  return pass(`${result.url} speaks ${describeEngineIo(result.engineIo)} (${Math.round(result.ms)} ms)`);
}

function lookedUp(earlier: CheckResult[], name: string): HostPort | undefined {
  const found = earlier.find((r) => r.id === "lookups") as (CheckResult & Pick<Outcome, "hosts">) | undefined;
  return found?.hosts?.[name];
}

/** The robot's config and its platform: lookups, sockets, whether the server takes the robot's key; Remo's server. */
export const platformChecks: Check[] = [
  {
    id: "config",
    title: "config file valid",
    required: true,
    async run(ctx) {
      if (ctx.configError) return { status: "fail", detail: ctx.configError.message, hint: ctx.configError.hint };
      if (!ctx.configPath) return pass("no config file: embedded defaults (letsrobot init writes one)");
      if (ctx.config && secretsReadableByOthers(ctx.configPath, ctx.config)) {
        return { status: "warn", detail: `read ${ctx.configPath}; it holds keys that other users of this machine can read`, hint: `chmod 600 ${ctx.configPath}` };
      }
      return pass(`read ${ctx.configPath}`);
    },
  },
  {
    id: "lookups",
    needsConfig: true,
    title: "platform lookups",
    required: true,
    async run(ctx) {
      const platform = ctx.config?.platform;
      if (!platform?.server) return skip("no platform.server: `letsrobot run` starts the embedded local platform");
      if (platform.protocol === "remo") return skip(REMO_ONLY);
      if (!platform.robot_id) return { status: "fail", detail: "platform.robot_id is empty", hint: "set platform.robot_id, or pass --robot-id" };
      const results = await probeLookups(platform, { fetch: ctx.fetch });
      const failed = results.filter((r) => !r.ok && ["control", "chat", "relay", "video", "audio"].includes(r.name));
      const hosts: Record<string, HostPort> = {};
      for (const r of results) if (r.ok && (r.name === "control" || r.name === "chat")) hosts[r.name] = r.value as HostPort;
      const info = infoUrl(platform);
      hosts.app = { host: info.hostname, port: platform.app_port || Number(info.port || (info.protocol === "https:" ? 443 : 80)) };
      const slowest = Math.round(Math.max(...results.map((r) => r.ms)));
      const outcome: Outcome = failed.length
        ? {
            status: "fail",
            detail: failuresByCause(failed),
            hint: (failed[0]?.error as { hint?: string })?.hint ?? `check that ${info.host} is a LetsRobot info server`,
            hosts,
          }
        : { status: "pass", detail: `${results.length} lookups answered from ${info.host} (slowest ${slowest} ms)`, hosts };
      return outcome;
    },
  },
  {
    id: "sockets",
    needsConfig: true,
    title: "socket.io handshakes",
    required: true,
    async run(ctx, earlier) {
      if (!ctx.config?.platform.server) return skip("no platform.server configured");
      if (ctx.config.platform.protocol === "remo") return skip(REMO_ONLY);
      const outcomes = await Promise.all(["control", "chat", "app"].map((n) => socketCheck(lookedUp(earlier, n), n, ctx)));
      return outcomes.map((o, i) => ({ ...o, key: ["control", "chat", "app"][i] }));
    },
  },
  {
    id: "identity",
    needsConfig: true,
    title: "robot identity (key)",
    required: false,
    async run(ctx, earlier) {
      const platform = ctx.config?.platform;
      if (!platform?.server) return skip("no platform.server configured");
      if (platform.protocol === "remo") return skip(REMO_ONLY);
      const control = lookedUp(earlier, "control");
      const answer = control && ctx.sockets ? await identifyAsRobot(control, platform, { fetch: ctx.fetch, sockets: ctx.sockets }) : undefined;
      if (answer?.kind === "refused") {
        // what `run` would meet: an unhealthy robot that gets no commands
        return {
          status: "fail",
          required: true,
          detail: `the control server refused robot ${platform.robot_id}: ${answer.error}: ${answer.message}`,
          hint: "put the robot's key (from `letsrobot serve robot add`, or your platform's robot page) in platform.robot_key or LETSROBOT_PLATFORM_ROBOT_KEY",
        };
      }
      const warnings: string[] = [];
      if (answer?.kind === "silent") warnings.push("the control server did not acknowledge robot_id (old servers never do), so the key could not be checked");
      if (!platform.robot_key) warnings.push("no platform.robot_key: the robot identifies by id alone, so anyone who knows the id can impersonate it");
      try {
        // letsrobot serve publishes its own warnings (robots accepting key-less sockets); other servers answer 404
        const response = await ctx.fetch(new URL("/api/status", infoUrl(platform)), { signal: AbortSignal.timeout(platform.timeout_ms) });
        if (response.ok) {
          const status = (await response.json()) as { warnings?: unknown };
          const mine = Array.isArray(status.warnings) ? status.warnings.filter((w): w is string => typeof w === "string" && w.includes(`(${platform.robot_id})`)) : [];
          warnings.push(...mine);
        }
      } catch {
        // the lookups check reports an unreachable server
      }
      if (warnings.length === 0) return pass(answer?.kind === "accepted" ? "the control server accepted the robot and its key" : "robot key configured");
      return { status: "warn", detail: warnings.join("; "), hint: "put the key from `letsrobot serve robot add` in platform.robot_key, then `letsrobot serve robot set NAME --require-key`" };
    },
  },
  {
    id: "remo",
    needsConfig: true,
    title: "Remo server (robot key, channel)",
    required: true,
    async run(ctx) {
      const platform = ctx.config?.platform;
      if (platform?.protocol !== "remo") return skip("platform.protocol is not remo");
      const verdict = await checkRemoServer(platform, { fetch: ctx.fetch });
      return verdict.ok ? pass(verdict.detail) : { status: "fail", detail: verdict.detail, hint: verdict.hint };
    },
  },
];
