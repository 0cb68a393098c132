import { dirname } from "node:path";
import { ConfigError, LetsrobotError } from "../../errors.ts";

/** How long a write waits for another process's write to finish before giving up (`PRAGMA busy_timeout`). */
export const busyTimeoutMs = 5000;

/** SQLite result codes (and errno codes) that mean there is no room left to write. */
const fullCodes = /^(SQLITE_FULL|SQLITE_IOERR_SHMSIZE|SQLITE_IOERR_WRITE|SQLITE_IOERR_FSYNC|ENOSPC|EDQUOT)$/;
const corruptCodes = /^(SQLITE_CORRUPT|SQLITE_NOTADB)/;

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/**
 * The platform database failed: a LetsrobotError naming the file and what to do. Full disk, damage and a
 * lock held too long by another process get their own message; other SQLite errors keep SQLite's words.
 * Errors that are not SQLite's (or are already ours) pass through unchanged.
 */
export function storeError(file: string, error: unknown): unknown {
  if (error instanceof LetsrobotError) return error;
  const code = codeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (fullCodes.test(code)) {
    return new ConfigError(`cannot save to the platform database ${file}: the disk is full`, `free some space on that disk (see \`df -h ${dirname(file)}\`); what runs keeps running, but changes are not saved until then`, { cause: error });
  }
  if (corruptCodes.test(code)) {
    return new ConfigError(
      `the platform database ${file} is damaged (${detail})`,
      `move it aside and start again: \`mv ${file} ${file}.broken\`; then \`letsrobot run\` creates its robot again, or add yours with \`letsrobot serve robot add NAME --owner OWNER\``,
      { cause: error },
    );
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new ConfigError(`the platform database ${file} stayed locked by another process for ${busyTimeoutMs / 1000} s`, "another letsrobot process is writing to it; try again, or stop the other process", { cause: error });
  }
  if (code.startsWith("SQLITE_")) {
    return new ConfigError(`the platform database ${file} failed: ${detail} (${code})`, `check the file and its directory (permissions, disk); run again with --verbose for details`, { cause: error });
  }
  return error;
}
