import type { Logger } from "../log.ts";
import type { RunProcess } from "../process/run.ts";
import type { Clock } from "../clock.ts";
import { openNotifySocket } from "./sd-notify.ts";

/**
 * systemd integration for `letsrobot service`: READY=1 once the robot is up, then WATCHDOG=1 at half the
 * watchdog interval while the event loop runs (a hung process stops feeding it and systemd restarts it).
 * Does nothing outside systemd (no NOTIFY_SOCKET).
 */
export function startSystemdNotify(
  env: Record<string, string | undefined>,
  deps: { runProcess: RunProcess; clock: Clock; log: Logger; healthy: () => boolean },
): { ready(): void; stop(): void } {
  const path = env.NOTIFY_SOCKET;
  if (!path) return { ready() {}, stop() {} };
  const socket = openNotifySocket(path);
  let warned = false;
  const warn = (detail: string) => {
    if (!warned) deps.log.warn(`cannot notify systemd: ${detail}`);
    warned = true;
  };
  const notify = (state: string) => {
    if (socket) {
      if (!socket.send(state)) warn(`sending to ${path} failed`);
      return;
    }
    // no libc through bun:ffi: the helper program (needs NotifyAccess=all)
    void deps.runProcess("systemd-notify", [state], { timeoutMs: 5000 }).then((r) => {
      if (r.missing || r.code !== 0) warn(r.missing ? "systemd-notify is not installed" : r.stderr.trim() || `exit ${r.code}`);
    });
  };
  const usec = Number(env.WATCHDOG_USEC);
  const timer = Number.isFinite(usec) && usec > 0 ? deps.clock.setInterval(() => deps.healthy() && notify("WATCHDOG=1"), Math.max(250, usec / 2000)) : undefined;
  return {
    ready: () => notify(socket ? "READY=1" : "--ready"),
    stop: () => {
      if (timer !== undefined) deps.clock.clearInterval(timer);
      notify(socket ? "STOPPING=1" : "--stopping");
      socket?.close();
    },
  };
}
