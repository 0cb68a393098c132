import { mkdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";

/** Held by the `run` that hosts the embedded platform of a data dir; released when it stops. */
export interface DataDirLock {
  /** Tell a later `run` where this one's platform listens. */
  announce(url: string): void;
  release(): void;
}

/** The lock is a symbolic link whose target is `PID URL`: made atomically, and it needs no free disk space. */
const lockName = "run.lock";

function holder(path: string): { pid: number; url: string } | undefined {
  try {
    const [pid = "", url = ""] = readlinkSync(path).split(" ");
    return { pid: Number(pid), url };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One embedded platform per data dir: take the lock, or throw a ConfigError naming the `run` that holds it.
 * A lock left by a process that no longer exists is taken over.
 */
export function lockDataDir(dataDir: string, pid: number = process.pid): DataDirLock {
  const path = join(dataDir, lockName);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  for (let attempt = 0; ; attempt++) {
    try {
      symlinkSync(String(pid), path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 3) {
        throw new ConfigError(`cannot lock the data dir ${dataDir}: ${(error as Error).message}`, "set server.data_dir (or LETSROBOT_SERVER_DATA_DIR) to a writable directory", { cause: error });
      }
      const other = holder(path);
      if (other && alive(other.pid)) {
        throw new ConfigError(
          `another letsrobot run (pid ${other.pid}${other.url ? `, ${other.url}` : ""}) already hosts the platform of ${dataDir}`,
          `stop that one first (kill ${other.pid}), or give this robot its own data dir (server.data_dir, or LETSROBOT_SERVER_DATA_DIR=DIR)`,
        );
      }
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first: the next attempt sees its lock
      }
    }
  }
  const ours = () => holder(path)?.pid === pid;
  return {
    announce(url) {
      const next = `${path}.${pid}`;
      try {
        symlinkSync(`${pid} ${url}`, next);
        renameSync(next, path);
      } catch {
        // only the URL in the refusal of a second run is lost
      }
    },
    release() {
      if (ours()) unlinkSync(path);
    },
  };
}
