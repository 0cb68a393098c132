/**
 * Twitch extension tokens: HS256 JWTs signed with the base64-decoded extension secret, carrying
 * `opaque_user_id`, `user_id` (when the viewer shared it), `channel_id`, `role` and `exp` (seconds).
 * The adapter for `jose`: it parses the token, checks the algorithm (HS256 only: never `none`, never
 * another alg), the signature and the expiry; this file adds Twitch's claims (channel, role, opaque id).
 */
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";
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

type TokenProblem = "malformed" | "bad_alg" | "bad_signature" | "expired" | "wrong_channel" | "bad_claims";

export type Verified = { ok: true; claims: ExtensionClaims } | { ok: false; problem: TokenProblem };

const roles: ReadonlySet<string> = new Set(["broadcaster", "moderator", "viewer", "external"]);

/** What a jose error says about the token. */
function problemOf(error: unknown): TokenProblem {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) return "bad_claims";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return "bad_alg";
  return "malformed";
}

/**
 * Verify a token for one channel at `nowMs`. `leewayS` tolerates clock skew on `exp` (default 0).
 * Claims are read only after the signature is known good.
 */
export async function verifyExtensionToken(token: string, options: { key: Uint8Array; channelId: string; nowMs: number; leewayS?: number }): Promise<Verified> {
  try {
    if (decodeProtectedHeader(token).alg !== "HS256") return { ok: false, problem: "bad_alg" };
    const { payload } = await jwtVerify(token, options.key, {
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
      currentDate: new Date(options.nowMs),
      clockTolerance: options.leewayS ?? 0,
    });
    const { exp, opaque_user_id: opaque, channel_id: channel, role, user_id: userId } = payload;
    if (typeof exp !== "number" || typeof opaque !== "string" || !opaque || typeof role !== "string" || !roles.has(role)) return { ok: false, problem: "bad_claims" };
    if ((typeof channel === "number" ? String(channel) : channel) !== options.channelId) return { ok: false, problem: "wrong_channel" };
    return {
      ok: true,
      claims: { opaqueUserId: opaque, userId: typeof userId === "string" ? userId : "", channelId: options.channelId, role: role as TwitchRole, exp },
    };
  } catch (error) {
    return { ok: false, problem: problemOf(error) };
  }
}

/**
 * Sign a token (HS256). For tests, benchmarks and a backend that calls Twitch's API with an `external`
 * token; viewers' tokens are always signed by Twitch.
 */
export function signExtensionToken(claims: Record<string, unknown>, key: Uint8Array): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
}
