import type { Logger } from "../log.ts";
import type { RunProcess } from "../process/run.ts";
import type { Clock } from "./clock.ts";

/**
 * systemd integration for `letsrobot service`: READY=1 once the robot is up, then WATCHDOG=1 at half the
 * watchdog interval while the event loop runs (a hung process stops feeding it and systemd restarts it).
 * Uses `systemd-notify` (NotifyAccess=all in the unit). Does nothing outside systemd.
 */
export function startSystemdNotify(
  env: Record<string, string | undefined>,
  deps: { runProcess: RunProcess; clock: Clock; log: Logger; healthy: () => boolean },
): { ready(): void; stop(): void } {
  if (!env.NOTIFY_SOCKET) return { ready() {}, stop() {} };
  let warned = false;
  const notify = (state: string) =>
    void deps.runProcess("systemd-notify", [state], { timeoutMs: 5000 }).then((result) => {
      if ((result.missing || result.code !== 0) && !warned) {
        warned = true;
        deps.log.warn(`systemd-notify ${state} failed (${result.missing ? "not installed" : result.stderr.trim() || `exit ${result.code}`})`);
      }
    });
  const usec = Number(env.WATCHDOG_USEC);
  const timer = Number.isFinite(usec) && usec > 0 ? deps.clock.setInterval(() => deps.healthy() && notify("WATCHDOG=1"), Math.max(500, usec / 2000)) : undefined;
  return {
    ready: () => notify("--ready"),
    stop: () => {
      if (timer !== undefined) deps.clock.clearInterval(timer);
      notify("STOPPING=1");
    },
  };
}
