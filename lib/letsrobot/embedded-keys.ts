import { chmodSync, readFileSync, statSync } from "node:fs";
import { writePrivateFile } from "../private-file.ts";
import type { RobotSecrets } from "../server/store/store.ts";

/**
 * The embedded robot's keys and the owner link, kept in a 0600 file in the data dir so that they stay the
 * same from one start to the next (the database keeps only their hashes).
 */
export interface EmbeddedKeys extends RobotSecrets {
  ownerUrl: string;
}

const fields = { ownerUrl: "owner_url", ownerToken: "owner_token", robotKey: "robot_key", streamKey: "stream_key" } as const;

/** The saved keys, or undefined when the file is missing or not ours (the robot then gets new keys). */
export function readKeys(file: string): EmbeddedKeys | undefined {
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const saved = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const keys = Object.fromEntries(Object.entries(fields).map(([key, name]) => [key, saved[name]]));
    return Object.values(keys).every((v) => typeof v === "string" && v !== "") ? (keys as unknown as EmbeddedKeys) : undefined;
  } catch {
    return undefined;
  }
}

/** Write the keys (readable by this user only); throws the file system's error, e.g. ENOSPC. */
export function saveKeys(file: string, keys: EmbeddedKeys): void {
  writePrivateFile(file, `${JSON.stringify(Object.fromEntries(Object.entries(fields).map(([key, name]) => [name, keys[key as keyof EmbeddedKeys]])), null, 2)}\n`);
}
