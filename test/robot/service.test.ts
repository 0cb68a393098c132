import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enableInstructions, systemdQuote, systemdUnit } from "../../lib/robot/service-unit.ts";
import { cleanEnv } from "../helpers/cli.ts";
import { repoRoot } from "./run-process.ts";

describe("systemd unit", () => {
  test.each([
    ["/usr/local/bin/letsrobot", "/usr/local/bin/letsrobot"],
    ["/home/pi/my robot/letsrobot.toml", '"/home/pi/my robot/letsrobot.toml"'],
    ['a"b', '"a\\"b"'],
    ["100%", '"100%%"'],
    ["$HOME", '"$$HOME"'],
    ["~", "~"], // WorkingDirectory=~ is the user's home
  ])("quote %p → %p", (word, quoted) => expect(systemdQuote(word)).toBe(quoted));

  test("restart always, watchdog, whole group stopped with SIGINT (exit 130 counts as a clean stop), config passed, no secrets", () => {
    const unit = systemdUnit({ command: ["/opt/letsrobot"], configPath: "/home/pi/letsrobot.toml", workingDirectory: "/home/pi", user: "pi", scope: "system", watchdogSec: 30 });
    for (const line of ["Type=notify", "Restart=always", "WatchdogSec=30", "KillMode=control-group", "KillSignal=SIGINT", "SuccessExitStatus=130", "User=pi", "WantedBy=multi-user.target"]) expect(unit).toContain(`\n${line}\n`);
    expect(unit).toContain("\nExecStart=/opt/letsrobot run --config /home/pi/letsrobot.toml\n");
    const user = systemdUnit({ command: ["/usr/bin/bun", "/src/cli/main.ts"], workingDirectory: "/src", scope: "user", watchdogSec: 60 });
    expect(user).toContain("\nExecStart=/usr/bin/bun /src/cli/main.ts run\n");
    expect(user).not.toContain("User=");
    expect(user).toContain("WantedBy=default.target");
    const packaged = systemdUnit({ command: ["/usr/bin/letsrobot"], workingDirectory: "~", user: "%i", scope: "system", watchdogSec: 30, origin: "the letsrobot package" });
    expect(packaged).toStartWith("# Written by the letsrobot package.");
    for (const line of ["ExecStart=/usr/bin/letsrobot run", "WorkingDirectory=~", "User=%i"]) expect(packaged).toContain(`\n${line}\n`);
    expect(enableInstructions("user", "/x", "pi").join("\n")).toContain("systemctl --user daemon-reload && systemctl --user enable --now letsrobot");
  });
});

async function cli(args: string[], env: Record<string, string>, cwd: string) {
  const child = Bun.spawn(["bun", join(repoRoot, "cli/main.ts"), ...args], { env, cwd, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

describe("letsrobot service install (user unit, into a temporary home)", () => {
  test("writes the unit with the config it found and says how to enable it; a second run changes nothing", async () => {
    const env = cleanEnv();
    const cwd = mkdtempSync(join(tmpdir(), "letsrobot-svc-"));
    writeFileSync(join(cwd, "letsrobot.toml"), "[behaviour]\ndeadman_ms = 400\n");
    const first = await cli(["service", "install", "--user"], env, cwd);
    expect(first.code).toBe(0);
    const path = join(env.XDG_CONFIG_HOME as string, "systemd/user/letsrobot.service");
    expect(first.stdout).toContain(`wrote ${path}`);
    expect(first.stdout).toContain("systemctl --user enable --now letsrobot");
    const unit = readFileSync(path, "utf8");
    expect(unit).toContain(`run --config ${join(cwd, "letsrobot.toml")}`);
    expect(unit).toContain("Restart=always");
    const second = await cli(["service", "install", "--user"], env, cwd);
    expect(second.stdout).toContain("already up to date");
  });

  test("--print writes nothing; a bad --watchdog is a usage error with a hint", async () => {
    const env = cleanEnv();
    const cwd = mkdtempSync(join(tmpdir(), "letsrobot-svc-"));
    const printed = await cli(["service", "install", "--user", "--print"], env, cwd);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain("[Service]");
    expect(existsSync(join(env.XDG_CONFIG_HOME as string, "systemd"))).toBe(false);
    const bad = await cli(["service", "install", "--user", "--watchdog", "2"], env, cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--watchdog must be a whole number of seconds from 5 to 3600");
    expect(bad.stderr).toContain("hint:");
    expect(bad.stderr).not.toContain("    at ");
  });
});
