import { defineCommand } from "citty";
import { resolveConfig } from "../lib/config/load.ts";
import type { Deps } from "../lib/deps.ts";
import { describeEngineIo, type HandshakeResult, probeSocket } from "../lib/net/handshake.ts";
import { infoUrl, type LookupResult, probeLookups } from "../lib/platform/client.ts";
import type { HostPort } from "../lib/platform/lookups.ts";
import { formatTable } from "../lib/output.ts";
import { NetworkError } from "../lib/errors.ts";
import { configArgs, configFlags, jsonArg } from "./args.ts";

function show(value: unknown): string {
  if (typeof value === "object" && value !== null && "host" in value && "port" in value) return `${(value as HostPort).host}:${(value as HostPort).port}`;
  if (typeof value === "object" && value !== null && "xres" in value) {
    const settings = value as { xres: number; yres: number };
    return `${settings.xres}x${settings.yres}`;
  }
  return Array.isArray(value) ? value.join(", ") || "(none)" : String(value);
}

export function createProbeCommand(deps: Deps) {
  return defineCommand({
    meta: { name: "probe", description: "Resolve and time every platform endpoint, and handshake with each socket server" },
    args: { ...configArgs, ...jsonArg },
    async run({ args }) {
      const { config } = resolveConfig({ path: args.config, flags: configFlags(args), env: deps.env, cwd: deps.cwd });
      const platform = config.platform;
      const info = infoUrl(platform);
      const lookups = await probeLookups(platform, { fetch: deps.fetch, log: deps.log, signal: deps.shutdown });
      const hostOf = (name: string) => lookups.find((l) => l.name === name && l.ok)?.value as HostPort | undefined;
      const targets: [string, HostPort | undefined][] = [
        ["control", hostOf("control")],
        ["chat", hostOf("chat")],
        ["app", { host: info.hostname, port: platform.app_port || Number(info.port || (info.protocol === "https:" ? 443 : 80)) }],
      ];
      const sockets = await Promise.all(
        targets.map(async ([name, target]) => ({ name, ...(target ? await probeSocket(target, { fetch: deps.fetch, timeoutMs: platform.timeout_ms }) : { url: "", ok: false, ms: 0, engineIo: [], error: "lookup failed" }) })),
      );
      const failed = lookups.filter((l) => !l.ok).length + sockets.filter((s) => !s.ok).length;
      if (args.json) {
        // printed whether or not the probe passed: the failures are in the result (ok: false, error per endpoint)
        deps.out.json({
          ok: failed === 0,
          server: info.origin,
          lookups: lookups.map((l: LookupResult) => ({ name: l.name, url: l.url, ok: l.ok, ms: Math.round(l.ms * 10) / 10, ...(l.ok ? { value: l.value } : { error: l.error?.message }) })),
          sockets: sockets.map((s: HandshakeResult & { name: string }) => ({ name: s.name, url: s.url, ok: s.ok, ms: Math.round(s.ms * 10) / 10, engineIo: s.engineIo, ...(s.error ? { error: s.error } : {}) })),
        });
      } else {
        const rows = [
          ...lookups.map((l) => [l.name, l.url, l.ok ? show(l.value) : `FAIL ${l.error?.message}`, l.ms.toFixed(1)]),
          ...sockets.map((s) => [`${s.name} socket`, s.url, s.ok ? describeEngineIo(s.engineIo) : `FAIL ${s.error}`, s.ms.toFixed(1)]),
        ];
        deps.out.text(formatTable(["endpoint", "url", "result", "ms"], rows));
      }
      if (failed > 0) {
        const first = lookups.find((l) => !l.ok)?.error as { message?: string; hint?: string } | undefined;
        // the first failure's cause (e.g. an untrusted TLS certificate) is usually every failure's cause
        throw new NetworkError(`${failed} endpoint(s) failed${first?.message ? `; first: ${first.message}` : ""}`, first?.hint ?? `check that ${info.host} is running`);
      }
    },
  });
}
