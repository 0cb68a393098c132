import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../helpers/cli.ts";

/**
 * scripts/setup.sh on a simulated fresh Debian machine: PATH holds only basic tools and stand-ins for apt-get,
 * dpkg-query, npm and bun that record what they are asked. Nothing is installed (dpkg-query knows no package),
 * there is no npm and no bun: "installing" npm with apt-get brings an npm, which "installs" bun.
 */
function freshMachine(): { path: string; calls: () => string[] } {
  const bin = mkdtempSync(join(tmpdir(), "letsrobot-fresh-"));
  const stash = mkdtempSync(join(tmpdir(), "letsrobot-stash-")); // what apt-get and npm would install
  const log = join(stash, "calls.log");
  writeFileSync(log, "");
  for (const tool of ["dirname", "id", "grep", "env", "sed", "cut"]) symlinkSync(Bun.which(tool) ?? `/usr/bin/${tool}`, join(bin, tool));
  const script = (dir: string, name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  script(bin, "sudo", 'exec "$@"');
  script(bin, "dpkg-query", "exit 1");
  script(bin, "apt-get", `case " $* " in *" npm "*) /bin/cp ${stash}/npm ${bin}/npm ;; esac`);
  script(stash, "npm", `case "$*" in *bun@*) /bin/cp ${stash}/bun ${bin}/bun ;; esac`);
  script(stash, "bun", `[ "$1" = --version ] && echo 1.4.4; exit 0`);
  return { path: bin, calls: () => readFileSync(log, "utf8").trim().split("\n") };
}

async function setup(args: string[], path: string): Promise<{ code: number; stderr: string }> {
  const child = Bun.spawn(["/bin/bash", join(root, "scripts/setup.sh"), ...args], { env: { PATH: path, HOME: path }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  return { code, stderr };
}

const installed = (calls: string[]) => calls.find((c) => c.startsWith("apt-get") && c.includes(" install "))?.replace(/^.* --no-install-recommends /, "").split(" ") ?? [];

describe("scripts/setup.sh on a fresh Debian machine without npm or bun", () => {
  test("installs only what running needs, npm from apt, bun from npm, then builds", async () => {
    const machine = freshMachine();
    const result = await setup([], machine.path);
    expect(result.code).toBe(0);
    const calls = machine.calls();
    expect(installed(calls)).toEqual(["ffmpeg", "espeak-ng", "sox", "openssl", "npm"]);
    expect(calls).toContain("npm install --global --no-fund --no-audit bun@1.4.4");
    expect(calls.filter((c) => c.startsWith("bun ") && c !== "bun --version")).toEqual(["bun install --frozen-lockfile", "bun run build"]);
  });

  test("--test adds the test tools", async () => {
    const machine = freshMachine();
    expect((await setup(["--test"], machine.path)).code).toBe(0);
    const packages = installed(machine.calls());
    for (const p of ["ffmpeg", "espeak-ng", "sox", "chromium", "redis-server", "socat", "qemu-user", "libc6-arm64-cross", "nginx", "libnginx-mod-rtmp", "openssl", "npm"]) expect(packages).toContain(p);
  });

  test("--help prints what each form installs and installs nothing", async () => {
    const machine = freshMachine();
    const child = Bun.spawn(["/bin/bash", join(root, "scripts/setup.sh"), "--help"], { env: { PATH: machine.path, HOME: machine.path }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect(code).toBe(0);
    expect(stdout).toContain("./scripts/setup.sh --test   that, plus the tools the test suite uses");
    expect(machine.calls().filter(Boolean)).toEqual([]);
  });

  test("an unknown option exits 2 naming --test", async () => {
    const result = await setup(["--tests"], freshMachine().path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option --tests (use --test");
  });
});
