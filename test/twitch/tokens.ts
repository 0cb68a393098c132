/**
 * Extension tokens for tests, signed with WebCrypto: an implementation independent of lib/twitch/jwt.ts,
 * so the verifier is checked against someone else's HMAC, not its own.
 */
import { randomBytes } from "node:crypto";

export const channelId = "123456789";
export const clientId = "abc123clientid";
export const panelOrigin = `https://${clientId}.ext-twitch.tv`;
/** A secret as the developer console shows it: 32 random bytes, base64. */
export const secret = randomBytes(32).toString("base64");

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

export async function sign(header: Record<string, unknown>, claims: Record<string, unknown>, key: Uint8Array | string = secret): Promise<string> {
  const raw = new Uint8Array(typeof key === "string" ? Buffer.from(key, "base64") : key);
  const hmac = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(input)));
  return `${input}.${b64url(mac)}`;
}

/** Claims like Twitch's for a logged-in viewer of our channel, valid for an hour. */
export function viewerClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    exp: Math.floor(Date.now() / 1000) + 3600,
    opaque_user_id: "U12345",
    user_id: "98765",
    channel_id: channelId,
    role: "viewer",
    is_unlinked: false,
    pubsub_perms: { listen: ["broadcast", "global"], send: [] },
    ...overrides,
  };
}

export const validToken = (overrides: Record<string, unknown> = {}) => sign({ alg: "HS256", typ: "JWT" }, viewerClaims(overrides));
