import { ExitCode } from "../errors.ts";

/**
 * The systemd unit that keeps `letsrobot run` up for months: restart always, a watchdog the robot feeds
 * while healthy, the whole process group (ffmpeg, speech) stopped with it. Pure: options in, text out.
 */
export interface UnitOptions {
  /** The program and its leading arguments, e.g. ["/usr/local/bin/letsrobot"] or ["/usr/bin/bun", "/src/cli/main.ts"]. */
  command: string[];
  /** Absolute config path passed as --config (undefined = the embedded default). */
  configPath?: string;
  workingDirectory: string;
  /** System unit: run as this user. Omitted for a user unit. */
  user?: string;
  scope: "system" | "user";
  watchdogSec: number;
  /** Who wrote the unit, for its first line (default: `letsrobot service install`). */
  origin?: string;
}

/** systemd's quoting for ExecStart words: double quotes when needed, with \ and " escaped. */
export function systemdQuote(word: string): string {
  if (/^[A-Za-z0-9_@+=:,./~-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "$$$$").replace(/%/g, "%%")}"`;
}

export function systemdUnit(options: UnitOptions): string {
  const exec = [...options.command, "run", ...(options.configPath ? ["--config", options.configPath] : [])].map(systemdQuote).join(" ");
  const lines = [
    `# Written by ${options.origin ?? "`letsrobot service install`"}. Secrets stay in the config file (mode 600), never here.`,
    "[Unit]",
    "Description=letsrobot: keep this robot online",
    "Wants=network-online.target",
    "After=network-online.target sound.target",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=notify",
    "NotifyAccess=all",
    `ExecStart=${exec}`,
    `WorkingDirectory=${systemdQuote(options.workingDirectory)}`,
    ...(options.user ? [`User=${options.user}`, "SupplementaryGroups=dialout audio video"] : []),
    "Restart=always",
    "RestartSec=2",
    `WatchdogSec=${options.watchdogSec}`,
    "TimeoutStopSec=20",
    "KillMode=control-group",
    "KillSignal=SIGINT",
    // `run` stopped by that SIGINT exits 130 (interrupted): a clean stop, not a failed unit
    `SuccessExitStatus=${ExitCode.interrupted}`,
    "Environment=NO_COLOR=1",
    "",
    "[Install]",
    `WantedBy=${options.scope === "system" ? "multi-user.target" : "default.target"}`,
    "",
  ];
  return lines.join("\n");
}

/** What to type next, for the unit's scope. */
export function enableInstructions(scope: "system" | "user", path: string, user?: string): string[] {
  if (scope === "system") {
    return [`wrote ${path}`, "enable and start it:", "  sudo systemctl daemon-reload && sudo systemctl enable --now letsrobot", "follow its log:", "  journalctl -u letsrobot -f"];
  }
  return [
    `wrote ${path}`,
    "enable and start it:",
    "  systemctl --user daemon-reload && systemctl --user enable --now letsrobot",
    "start it at boot, before anyone logs in:",
    `  sudo loginctl enable-linger ${user ?? "$USER"}`,
    "follow its log:",
    "  journalctl --user -u letsrobot -f",
  ];
}
