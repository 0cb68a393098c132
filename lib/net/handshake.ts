import type { HostPort } from "./channel.ts";

export interface HandshakeResult {
  url: string;
  ok: boolean;
  ms: number;
  /** Engine.IO protocol versions the server accepted: 3 = socket.io 2.x clients, 4 = socket.io 3/4 clients. */
  engineIo: number[];
  error?: string;
}

/** Which Engine.IO version a polling handshake body is: v3 framed `len:0{…}`, v4 plain `0{…}`. */
export function handshakeVersion(body: string): 3 | 4 | undefined {
  if (/^\d+:0\{/.test(body)) return 3;
  if (body.startsWith("0{")) return 4;
  // v3 binary framing starts with 0x00 then length digits
  if (body.charCodeAt(0) === 0 && body.includes("0{")) return 3;
  return undefined;
}

async function tryVersion(base: string, eio: 3 | 4, fetcher: typeof fetch, timeoutMs: number): Promise<number | undefined> {
  const response = await fetcher(`${base}/socket.io/?EIO=${eio}&transport=polling&t=${Date.now()}`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) return undefined;
  return handshakeVersion(await response.text());
}

/** Open an Engine.IO polling handshake for each protocol version and report which the server speaks. */
export async function probeSocket(target: HostPort, options: { fetch: typeof fetch; timeoutMs: number }): Promise<HandshakeResult> {
  const base = `http://${target.host}:${target.port}`;
  const started = performance.now();
  try {
    const versions = await Promise.all(([4, 3] as const).map((v) => tryVersion(base, v, options.fetch, options.timeoutMs)));
    const engineIo = [...new Set(versions.filter((v): v is number => v !== undefined))].sort();
    const ms = performance.now() - started;
    if (engineIo.length === 0) return { url: base, ok: false, ms, engineIo, error: "answered, but not as a socket.io server" };
    return { url: base, ok: true, ms, engineIo };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "ECONNREFUSED" ? `connection refused (nothing listening on ${target.host}:${target.port})` : (error as Error).message;
    return { url: base, ok: false, ms: performance.now() - started, engineIo: [], error: reason };
  }
}

export function describeEngineIo(engineIo: number[]): string {
  const names = engineIo.map((v) => (v === 3 ? "socket.io 2.x (EIO 3)" : `socket.io ${v - 1}.x+ (EIO ${v})`));
  return names.length ? names.join(" + ") : "none";
}
