import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { RunProcess } from "../process/run.ts";
import type { Clock } from "../clock.ts";
import { type RobotEvent, type RobotStatus, statusLine } from "./events.ts";
import type { Lifecycle } from "../process/lifecycle.ts";
import { startStatusServer } from "./status-server.ts";
import { startSystemdNotify } from "./watchdog.ts";

export interface MonitorDeps {
  log: Logger;
  clock: Clock;
  env: Record<string, string | undefined>;
  runProcess: RunProcess;
  emit: (event: RobotEvent) => void;
  /** Rewrites the live status line (terminal, text mode only). */
  statusLine?: (text: string) => void;
}

/**
 * What watches a running robot from outside, for both protocols: the status endpoint, the terminal status
 * line, a `health` event whenever health changes (checked every second; the first only when unhealthy), and
 * the systemd watchdog, fed only while the robot is healthy. Each part is undone by `life`.
 */
export async function startMonitor(status: () => RobotStatus, config: Config, deps: MonitorDeps, life: Lifecycle): Promise<void> {
  const { clock, log } = deps;
  if (config.behaviour.status_port > 0) {
    const server = await startStatusServer(config.behaviour.status_port, status);
    life.add("status endpoint", () => server.close());
    log.info(`status: ${server.url}`);
  }
  if (deps.statusLine) {
    const timer = clock.setInterval(() => deps.statusLine?.(statusLine(status())), 1000);
    life.add("status line", () => {
      clock.clearInterval(timer);
      deps.statusLine?.("");
    });
  }
  let last = JSON.stringify({ healthy: true, problems: [] });
  const health = clock.setInterval(() => {
    const { healthy, problems } = status();
    const now = JSON.stringify({ healthy, problems });
    if (now === last) return;
    last = now;
    deps.emit({ type: "health", healthy, problems });
  }, 1000);
  life.add("health events", () => clock.clearInterval(health));
  const systemd = startSystemdNotify(deps.env, { runProcess: deps.runProcess, clock, log, healthy: () => status().healthy });
  systemd.ready();
  life.add("systemd watchdog", () => systemd.stop());
}
