/**
 * Twitch extension tokens: HS256 JWTs signed with the base64-decoded extension secret, carrying
 * `opaque_user_id`, `user_id` (when the viewer shared it), `channel_id`, `role` and `exp` (seconds).
 * Verification is pure apart from the clock: only HS256 is accepted (never `none`, never another alg),
 * the signature is compared in constant time, and expired or other-channel tokens are refused.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { TwitchRole } from "./commands.ts";

export interface ExtensionClaims {
  opaqueUserId: string;
  /** "" when the viewer has not shared their identity. */
  userId: string;
  channelId: string;
  role: TwitchRole;
  /** Expiry in seconds since the epoch. */
  exp: number;
}

export type TokenProblem = "malformed" | "bad_alg" | "bad_signature" | "expired" | "wrong_channel" | "bad_claims";

export type Verified = { ok: true; claims: ExtensionClaims } | { ok: false; problem: TokenProblem };

const roles: ReadonlySet<string> = new Set(["broadcaster", "moderator", "viewer", "external"]);
const base64url = /^[A-Za-z0-9_-]+$/;

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** HMAC-SHA256 of `header.payload`, base64url without padding. */
export function signature(signingInput: string, key: Uint8Array): Buffer {
  return createHmac("sha256", key).update(signingInput).digest();
}

/**
 * Verify a token for one channel at `nowMs`. `leewayS` tolerates clock skew on `exp` (default 0).
 * Checks run in an order that reveals nothing before the signature is known good.
 */
export function verifyExtensionToken(token: string, options: { key: Uint8Array; channelId: string; nowMs: number; leewayS?: number }): Verified {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => base64url.test(p))) return { ok: false, problem: "malformed" };
  const [head, body, sig] = parts as [string, string, string];
  const header = decodeJson(head);
  if (!header) return { ok: false, problem: "malformed" };
  if (header.alg !== "HS256") return { ok: false, problem: "bad_alg" };
  const expected = signature(`${head}.${body}`, options.key);
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: "bad_signature" };
  const claims = decodeJson(body);
  if (!claims) return { ok: false, problem: "malformed" };
  const { exp, opaque_user_id: opaque, channel_id: channel, role, user_id: userId } = claims;
  if (typeof exp !== "number" || !Number.isFinite(exp)) return { ok: false, problem: "bad_claims" };
  if (exp + (options.leewayS ?? 0) <= options.nowMs / 1000) return { ok: false, problem: "expired" };
  if (typeof opaque !== "string" || !opaque || typeof role !== "string" || !roles.has(role)) return { ok: false, problem: "bad_claims" };
  if (String(channel ?? "") !== options.channelId) return { ok: false, problem: "wrong_channel" };
  return {
    ok: true,
    claims: { opaqueUserId: opaque, userId: typeof userId === "string" ? userId : "", channelId: options.channelId, role: role as TwitchRole, exp },
  };
}

/**
 * Sign a token (HS256). For tests, benchmarks and a backend that calls Twitch's API with an `external`
 * token; viewers' tokens are always signed by Twitch.
 */
export function signExtensionToken(claims: Record<string, unknown>, key: Uint8Array): string {
  const head = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${head}.${body}.${signature(`${head}.${body}`, key).toString("base64url")}`;
}
