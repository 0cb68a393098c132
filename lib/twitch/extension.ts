/**
 * The Twitch extension backend: the overlay panel's buttons POST `{command, key_position}` to
 * `<path>/command` with the viewer's extension token in `Authorization: Bearer`. This file is the
 * transport-neutral core (request fields in, status/headers/body out); extension-http.ts adapts it to
 * fetch-style and node:http servers.
 *
 * Routes under the path: `OPTIONS *` (CORS preflight), `POST /command`, `GET /status` (token check and the
 * command list, for the panel). A release (`key_position: "up"`) and `stop` are never rate-limited.
 */
import type { Deps } from "../deps.ts";
import { isModOnly, isSafety, type KeyPosition, resolveCommand, type TwitchCommand } from "./commands.ts";
import { corsHeaders, preflight } from "./cors.ts";
import { type ExtensionClaims, verifyExtensionToken } from "./jwt.ts";
import type { Clock } from "../clock.ts";
import { perPeriod } from "../rate-limit.ts";
import { type ExtensionPlan, extensionPlan, type TwitchConfig } from "./plan.ts";

export interface ExtRequest {
  method: string;
  /** URL path without the query. */
  path: string;
  origin?: string;
  authorization?: string;
  /** The `Access-Control-Request-Method` header of a preflight. */
  requestMethod?: string;
  /** The body as text; rejects (or gives undefined) past `maxBodyBytes`. */
  body: () => Promise<string | undefined>;
}

interface ExtResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ExtensionHooks {
  /** Called once per accepted command; a thrown error or rejection answers 503. */
  onCommand(command: TwitchCommand): void | Promise<void>;
  now?: Clock["now"];
}

export interface ExtensionStats {
  accepted: number;
  refused: Record<string, number>;
}

export const maxBodyBytes = 1024;

export interface ExtensionCore {
  readonly plan: ExtensionPlan;
  /** True for paths this backend answers (its prefix and below). */
  matches(path: string): boolean;
  handle(request: ExtRequest): Promise<ExtResponse>;
  stats(): ExtensionStats;
}

/** Build the backend from the `[twitch]` section (throws ConfigError when the extension keys are incomplete). */
export function createExtensionCore(config: TwitchConfig, deps: Pick<Deps, "log"> & ExtensionHooks): ExtensionCore {
  const plan = extensionPlan(config);
  const now = deps.now ?? Date.now;
  const log = deps.log.withTag("twitch-ext");
  const limiter = perPeriod(plan.userPerSecond, 1000, now);
  const stats: ExtensionStats = { accepted: 0, refused: {} };

  const reply = (request: ExtRequest, status: number, body: Record<string, unknown>, extra: Record<string, string> = {}): ExtResponse => {
    if (status >= 400) {
      const code = String(body.error);
      stats.refused[code] = (stats.refused[code] ?? 0) + 1;
    }
    return {
      status,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...corsHeaders(request.origin, plan.origins), ...extra },
      body: JSON.stringify(body),
    };
  };
  const fail = (request: ExtRequest, status: number, error: string, message: string, extra?: Record<string, string>) =>
    reply(request, status, { ok: false, error, message }, extra);

  const authorize = async (request: ExtRequest): Promise<ExtensionClaims | ExtResponse> => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.authorization?.trim() ?? "");
    const challenge = { "www-authenticate": 'Bearer realm="twitch-extension"' };
    if (!match?.[1]) return fail(request, 401, "missing_token", "send the extension token as Authorization: Bearer <token>", challenge);
    const verified = await verifyExtensionToken(match[1], { key: plan.key, channelId: plan.channelId, nowMs: now() });
    if (!verified.ok) {
      log.debug(`refused an extension token: ${verified.problem}`);
      return fail(request, 401, verified.problem, "the extension token is not valid for this robot", challenge);
    }
    const { claims } = verified;
    if (claims.role === "external") return fail(request, 403, "role", "backend (external) tokens cannot drive the robot");
    if (claims.opaqueUserId.startsWith("A") && !plan.allowAnonymous) return fail(request, 403, "anonymous", "log in to Twitch to drive the robot");
    return claims;
  };

  async function command(request: ExtRequest, claims: ExtensionClaims): Promise<ExtResponse> {
    let text: string | undefined;
    try {
      text = await request.body();
    } catch {
      text = undefined;
    }
    if (text === undefined) return fail(request, 413, "too_large", `the body is limited to ${maxBodyBytes} bytes`);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      return fail(request, 400, "bad_body", 'send JSON like {"command": "F", "key_position": "down"}');
    }
    const word = typeof body.command === "string" ? resolveCommand(body.command, plan.vocabulary) : undefined;
    if (!word) return fail(request, 400, "unknown_command", "not a command of this robot");
    const keyPosition: KeyPosition = body.key_position === "down" || body.key_position === "up" ? body.key_position : "";
    const mod = claims.role === "broadcaster" || claims.role === "moderator";
    if (isModOnly(word, plan.vocabulary) && !mod) return fail(request, 403, "mod_only", `${word} is for moderators`);
    if (keyPosition !== "up" && !isSafety(word) && !limiter.take(claims.opaqueUserId)) {
      const retry = Math.max(1, limiter.retryAfterMs(claims.opaqueUserId));
      return reply(request, 429, { ok: false, error: "rate_limited", message: "slow down", retry_after_ms: retry }, { "retry-after": String(Math.ceil(retry / 1000)) });
    }
    const cmd: TwitchCommand = {
      source: "extension",
      command: word,
      user: claims.opaqueUserId,
      userId: claims.userId,
      anonymous: claims.opaqueUserId.startsWith("A"),
      mod,
      role: claims.role,
      keyPosition,
    };
    try {
      await deps.onCommand(cmd);
    } catch (error) {
      log.warn(`the robot did not take ${word}: ${error instanceof Error ? error.message : String(error)}`);
      return fail(request, 503, "robot_unavailable", "the robot is not connected; try again shortly");
    }
    stats.accepted += 1;
    return reply(request, 200, { ok: true, command: word, key_position: keyPosition });
  }

  const commandList = [...new Set(plan.vocabulary.commands.values())];
  return {
    plan,
    matches: (path) => path === plan.path || path.startsWith(`${plan.path}/`),
    stats: () => structuredClone(stats),
    async handle(request) {
      const route = request.path.slice(plan.path.length) || "/";
      const method = request.method.toUpperCase();
      if (method === "OPTIONS") {
        const answer = preflight(request.origin, request.requestMethod, plan.origins);
        if (!answer.ok) log.debug(`refused a preflight: ${answer.reason}`);
        return { status: answer.ok ? 204 : 403, headers: answer.headers, body: "" };
      }
      if (request.origin && !plan.origins.includes(request.origin))
        return fail(request, 403, "origin", `origin ${request.origin} is not allowed; add it to twitch.ext_origins`);
      if (route !== "/command" && route !== "/status") return fail(request, 404, "not_found", "routes: POST /command, GET /status");
      const wanted = route === "/command" ? "POST" : "GET";
      if (method !== wanted) return fail(request, 405, "method_not_allowed", `use ${wanted}`, { allow: `${wanted}, OPTIONS` });
      const claims = await authorize(request);
      if ("status" in claims) return claims;
      if (route === "/status")
        return reply(request, 200, { ok: true, role: claims.role, channel_id: claims.channelId, commands: commandList, mod_only: [...plan.vocabulary.modOnly] });
      return command(request, claims);
    },
  };
}
