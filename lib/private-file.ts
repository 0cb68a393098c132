import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Write a file that holds secrets: readable by this user only (0600, its folder 0700 when we make it), and
 * whole or not at all (written beside it, then renamed over it). Throws the file system's error (ENOSPC, EACCES).
 */
export function writePrivateFile(file: string, text: string, options: { makeFolder?: boolean } = {}): void {
  if (options.makeFolder) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const next = `${file}.new`;
  try {
    rmSync(next, { force: true });
    writeFileSync(next, text, { mode: 0o600 });
    chmodSync(next, 0o600);
    renameSync(next, file);
  } catch (error) {
    rmSync(next, { force: true });
    throw error;
  }
}
