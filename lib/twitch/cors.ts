/**
 * CORS for the extension backend. Twitch serves extension panels from `https://<client id>.ext-twitch.tv`,
 * and their requests carry `Authorization`, so the browser sends a preflight first. Pure: headers in,
 * headers out. Only exact configured origins are echoed back (never `*`, which browsers refuse together
 * with an Authorization header anyway).
 */

const allowedMethods = "GET, POST, OPTIONS";
const allowedHeaders = "Authorization, Content-Type";
const preflightMaxAgeS = 600;

/** Headers for an actual response: the origin echoed when allowed; `Vary: Origin` always (caches must key on it). */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = { vary: "Origin" };
  if (origin && allowed.includes(origin)) headers["access-control-allow-origin"] = origin;
  return headers;
}

export type Preflight = { ok: true; headers: Record<string, string> } | { ok: false; headers: Record<string, string>; reason: string };

/** The answer to an OPTIONS preflight. */
export function preflight(origin: string | undefined, requestMethod: string | undefined, allowed: readonly string[]): Preflight {
  const base = corsHeaders(origin, allowed);
  if (!origin || !allowed.includes(origin)) return { ok: false, headers: { vary: "Origin" }, reason: `origin ${origin ?? "(none)"} is not allowed` };
  const method = (requestMethod ?? "").toUpperCase();
  if (method !== "GET" && method !== "POST") return { ok: false, headers: { vary: "Origin" }, reason: `method ${method || "(none)"} is not allowed` };
  return {
    ok: true,
    headers: {
      ...base,
      "access-control-allow-methods": allowedMethods,
      "access-control-allow-headers": allowedHeaders,
      "access-control-max-age": String(preflightMaxAgeS),
    },
  };
}
