import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface PortUser {
  pid: number;
  command: string;
}

/**
 * Other processes that hold a device open, found through /proc (Linux has no tty lock a user can see,
 * so this is how a busy port is told apart from a broken one). Processes we may not inspect are skipped,
 * and so are pty owners (they hold /dev/ptmx: socat, terminal emulators), which keep both ends of the
 * pairs they make open without using them.
 */
export function portUsers(device: string, procRoot = "/proc", self = process.pid): PortUser[] {
  let pids: string[];
  try {
    pids = readdirSync(procRoot).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const users: PortUser[] = [];
  for (const pid of pids) {
    if (Number(pid) === self) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue;
    }
    const targets = fds.map((fd) => {
      try {
        return readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        return "";
      }
    });
    if (!targets.includes(device) || targets.some((t) => t === "/dev/ptmx" || t === "/dev/pts/ptmx")) continue;
    let command = "?";
    try {
      command = readFileSync(`${procRoot}/${pid}/comm`, "utf8").trim();
    } catch {}
    users.push({ pid: Number(pid), command });
  }
  return users;
}
