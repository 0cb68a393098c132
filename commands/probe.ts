import type { Action } from "./about.ts";
import { resolveConfig } from "../lib/config/load.ts";
import type { Config } from "../lib/config/schema.ts";
import type { Deps } from "../lib/deps.ts";
import { describeEngineIo, type HandshakeResult, probeSocket } from "../lib/net/handshake.ts";
import { parseIngest, probeRtmp } from "../lib/media/rtmp.ts";
import { infoUrl, type LookupResult, probeLookups } from "../lib/platform/client.ts";
import type { HostPort } from "../lib/net/channel.ts";
import { formatTable } from "../lib/output.ts";
import { NetworkError, UsageError } from "../lib/errors.ts";
import { configFlags } from "./args.ts";

function show(value: unknown): string {
  if (typeof value === "object" && value !== null && "host" in value && "port" in value) return `${(value as HostPort).host}:${(value as HostPort).port}`;
  if (typeof value === "object" && value !== null && "xres" in value) {
    const settings = value as { xres: number; yres: number };
    return `${settings.xres}x${settings.yres}`;
  }
  return Array.isArray(value) ? value.join(", ") || "(none)" : String(value);
}

/** The RTMP handshake and `connect` to the ingest's application: proves the address without a stream key. */
async function probeIngest(url: string, json: boolean, deps: Deps): Promise<void> {
  let ingest: ReturnType<typeof parseIngest>;
  try {
    ingest = parseIngest(url);
  } catch (error) {
    throw new UsageError(`--rtmp: ${(error as Error).message}`, "pass an address such as rtmp://live.twitch.tv/app (never the stream key)");
  }
  const result = await probeRtmp(ingest);
  if (json) deps.out.json({ rtmp: ingest.tcUrl, ok: result.ok, ms: Math.round(result.ms * 10) / 10, ...(result.error ? { error: result.error } : {}) });
  else deps.out.text(formatTable(["endpoint", "url", "result", "ms"], [["rtmp ingest", ingest.tcUrl, result.ok ? "RTMP handshake and connect ok" : `FAIL ${result.error}`, result.ms.toFixed(1)]]));
  if (!result.ok) throw new NetworkError(`the RTMP ingest ${ingest.tcUrl} failed: ${result.error}`, "check the address and that the server is up");
}

/** A Remo server: authenticate once with the robot key on its websocket, then look up the robot's channel. */
async function probeRemo(platform: Config["platform"], json: boolean, deps: Deps): Promise<void> {
  const { checkRemoServer } = await import("../lib/remo/doctor.ts");
  const started = performance.now();
  const verdict = await checkRemoServer(platform, { fetch: deps.fetch });
  const ms = Math.round((performance.now() - started) * 10) / 10;
  if (json) deps.out.json({ ok: verdict.ok, server: platform.server, remo: { ok: verdict.ok, ms, ...(verdict.ok ? { detail: verdict.detail } : { error: verdict.detail }) } });
  else deps.out.text(formatTable(["endpoint", "url", "result", "ms"], [["remo server", platform.server, verdict.ok ? verdict.detail : `FAIL ${verdict.detail}`, ms.toFixed(1)]]));
  if (!verdict.ok) throw new NetworkError(verdict.detail, verdict.hint);
}

export const probeAction: Action<"probe"> = async (args, deps) => {
  if (args.rtmp !== undefined) return probeIngest(String(args.rtmp), Boolean(args.json), deps);
  const { config } = resolveConfig({ path: args.config, flags: configFlags(args), env: deps.env, cwd: deps.cwd });
  const platform = config.platform;
  if (platform.protocol === "remo") return probeRemo(platform, Boolean(args.json), deps);
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
};
