import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { signExtensionToken, verifyExtensionToken } from "../../lib/twitch/jwt.ts";
import { channelId, secret, sign, validToken, viewerClaims } from "./tokens.ts";

const key = new Uint8Array(Buffer.from(secret, "base64"));
const verify = (token: string, nowMs = Date.now()) => verifyExtensionToken(token, { key, channelId, nowMs });
const b64url = (text: string) => Buffer.from(text).toString("base64url");

describe("extension token verification", () => {
  test("a token signed with the decoded secret is accepted, with its claims", async () => {
    expect(await verify(await validToken())).toEqual({
      ok: true,
      claims: { opaqueUserId: "U12345", userId: "98765", channelId, role: "viewer", exp: expect.any(Number) },
    });
  });

  test("a token without user_id (identity not shared) is accepted with userId ''", async () => {
    const result = await verify(await validToken({ user_id: undefined, opaque_user_id: "UABC" }));
    expect(result.ok && result.claims.userId).toBe("");
  });

  test.each([
    ["signed with another secret", () => sign({ alg: "HS256" }, viewerClaims(), new Uint8Array(randomBytes(32))), "bad_signature"],
    ["signed with the base64 text instead of the decoded bytes", () => sign({ alg: "HS256" }, viewerClaims(), new TextEncoder().encode(secret)), "bad_signature"],
    ["expired a second ago", () => validToken({ exp: Math.floor(Date.now() / 1000) - 1 }), "expired"],
    ["no exp", () => validToken({ exp: undefined }), "bad_claims"],
    ["exp as a string", () => validToken({ exp: "9999999999" }), "bad_claims"],
    ["another channel", () => validToken({ channel_id: "987" }), "wrong_channel"],
    ["no channel", () => validToken({ channel_id: undefined }), "wrong_channel"],
    ["unknown role", () => validToken({ role: "admin" }), "bad_claims"],
    ["no opaque_user_id", () => validToken({ opaque_user_id: "" }), "bad_claims"],
    ["alg HS512", () => sign({ alg: "HS512" }, viewerClaims()), "bad_alg"],
    ["alg RS256", () => sign({ alg: "RS256" }, viewerClaims()), "bad_alg"],
    ["alg none, HS256-signed anyway", () => sign({ alg: "none" }, viewerClaims()), "bad_alg"],
    ["alg none, empty signature", async () => `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(viewerClaims()))}.`, "bad_alg"],
    ["alg missing", () => sign({ typ: "JWT" }, viewerClaims()), "bad_alg"],
    ["two parts", async () => (await validToken()).split(".").slice(0, 2).join("."), "malformed"],
    ["four parts", async () => `${await validToken()}.x`, "malformed"],
    ["header not JSON", async () => `${b64url("nope")}.${(await validToken()).split(".").slice(1).join(".")}`, "malformed"],
    ["payload not base64url (the signature is checked first)", async () => (await validToken()).replace(/\.(.)/, ".$1=+/"), "bad_signature"],
    ["header not base64url", async () => `=+/${await validToken()}`, "malformed"],
    ["empty", async () => "", "malformed"],
  ] as [string, () => Promise<string>, string][])("%s → %s", async (_name, make, problem) => {
    expect(await verify(await make())).toEqual({ ok: false, problem } as never);
  });

  test("a payload changed after signing (viewer → broadcaster) fails the signature", async () => {
    const [head, , sig] = (await validToken()).split(".");
    const forged = `${head}.${b64url(JSON.stringify(viewerClaims({ role: "broadcaster" })))}.${sig}`;
    expect(await verify(forged)).toEqual({ ok: false, problem: "bad_signature" });
  });

  test("a signature of the wrong length fails (no exception from the constant-time compare)", async () => {
    const token = await validToken();
    expect(await verify(`${token.slice(0, token.lastIndexOf(".") + 1)}AAAA`)).toEqual({ ok: false, problem: "bad_signature" });
  });

  test("expiry is judged by the injected clock", async () => {
    const token = await validToken({ exp: 2_000_000_000 });
    expect((await verify(token, 1_999_999_999_000)).ok).toBe(true);
    expect(await verify(token, 2_000_000_000_000)).toEqual({ ok: false, problem: "expired" });
    expect((await verifyExtensionToken(token, { key, channelId, nowMs: 2_000_000_004_000, leewayS: 5 })).ok).toBe(true);
  });

  test("signExtensionToken makes tokens WebCrypto-compatible (same bytes as an independent signer)", async () => {
    const claims = viewerClaims({ exp: 2_000_000_000 });
    expect(await signExtensionToken(claims, key)).toBe(await sign({ alg: "HS256", typ: "JWT" }, claims));
  });
});

describe("extension token verification under random input (fast-check)", () => {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value) ?? "null").toString("base64url");
  const tokens = fc.oneof(
    fc.string(),
    fc.array(fc.base64String(), { minLength: 1, maxLength: 5 }).map((parts) => parts.join(".")),
    fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.base64String()).map(([head, body, sig]) => `${part(head)}.${part(body)}.${sig.replace(/=/g, "")}`),
    fc.tuple(fc.constantFrom("HS256", "none", "HS512", "RS256"), fc.dictionary(fc.string(), fc.jsonValue())).map(([alg, claims]) => `${part({ alg })}.${part({ ...viewerClaims(), ...claims })}.`),
  );

  test("no token that was not signed with the secret is accepted, and none throws (10,000 cases)", async () => {
    await fc.assert(
      fc.asyncProperty(tokens, async (token) => {
        expect(await verify(token)).toMatchObject({ ok: false });
      }),
      { numRuns: 10_000 },
    );
  });

  test("any claims signed with another secret are refused as bad_signature", async () => {
    const other = new Uint8Array(randomBytes(32));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue()), async (claims) => {
        expect(await verify(await signExtensionToken({ ...viewerClaims(), ...claims }, other))).toEqual({ ok: false, problem: "bad_signature" });
      }),
      { numRuns: 500 },
    );
  });
});
