import { createHash, randomBytes, randomInt } from "node:crypto";

/**
 * Robot identity material: numeric ids (the LetsRobot wire format) and random secrets. Secrets are stored
 * only as SHA-256 hashes; they are 192-bit random values, so an unsalted hash is enough to look them up.
 */
export function newSecret(): string {
  return randomBytes(24).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** An opaque id of digits, as LetsRobot used for robots and cameras. */
export function newNumericId(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

/** A short random id for chat messages and sessions. */
export function newShortId(): string {
  return randomBytes(8).toString("hex");
}
