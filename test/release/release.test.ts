import { beforeAll, describe, expect, test } from "bun:test";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEnv } from "../helpers/cli.ts";
import { dist, ensureRelease, runTool, version } from "./release-build.ts";

const deb = (arch: string) => join(dist, `letsrobot_${version}_${arch}.deb`);

beforeAll(() => ensureRelease(), 300_000);

/** ELF e_machine: 0x3e x86-64, 0xb7 AArch64. */
function elfMachine(path: string): number {
  const header = Buffer.alloc(20);
  const fd = openSync(path, "r");
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return header.readUInt16LE(18);
}

/** Every path under `dir`, relative, directories included. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe("bun run release", () => {
  test("writes an x86-64 and an ARM64 binary, a .deb for each, install.sh, and SHA256SUMS that check", async () => {
    expect(elfMachine(join(dist, "letsrobot-linux-x64"))).toBe(0x3e);
    expect(elfMachine(join(dist, "letsrobot-linux-arm64"))).toBe(0xb7);
    const check = await runTool(["sha256sum", "-c", "SHA256SUMS"], { cwd: dist });
    expect(check.code).toBe(0);
    expect(check.stdout.trim().split("\n").sort()).toEqual(
      ["install.sh", "letsrobot-linux-arm64", "letsrobot-linux-x64", `letsrobot_${version}_amd64.deb`, `letsrobot_${version}_arm64.deb`].map((f) => `${f}: OK`),
    );
  });

  test.each([
    ["amd64", "sox"],
    ["arm64", "sox, rpicam-apps | libcamera-apps, raspi-utils | libraspberrypi-bin"],
  ])("the %s .deb: binary in /usr/bin, the systemd unit, depends on ffmpeg and espeak-ng", async (arch, recommends) => {
    const fields = await runTool(["dpkg-deb", "--field", deb(arch), "Package", "Version", "Architecture", "Depends", "Recommends"]);
    expect(fields.code).toBe(0);
    expect(fields.stdout).toBe(`Package: letsrobot\nVersion: ${version}\nArchitecture: ${arch}\nDepends: ffmpeg, espeak-ng\nRecommends: ${recommends}\n`);
    const contents = await runTool(["dpkg-deb", "--contents", deb(arch)]);
    expect(contents.stdout).toMatch(/^-rwxr-xr-x root\/root +\d+ \S+ \S+ \.\/usr\/bin\/letsrobot$/m);
    expect(contents.stdout).toMatch(/^-rw-r--r-- root\/root +\d+ \S+ \S+ \.\/lib\/systemd\/system\/letsrobot@\.service$/m);
    const unit = await runTool(["sh", "-c", `dpkg-deb --fsys-tarfile "$0" | tar -xO ./lib/systemd/system/letsrobot@.service`, deb(arch)]);
    expect(unit.stdout).toContain("ExecStart=/usr/bin/letsrobot run\n");
    expect(unit.stdout).toContain("User=%i\n");
  });

  test("the x64 .deb installs with dpkg -i into a throwaway root, runs, and purges leaving nothing behind", async () => {
    const rootDir = mkdtempSync(join(tmpdir(), "letsrobot-dpkg-"));
    const admin = join(rootDir, "var/lib/dpkg");
    for (const dir of ["info", "updates"]) mkdirSync(join(admin, dir), { recursive: true });
    writeFileSync(join(admin, "status"), "");
    const before = tree(rootDir);
    // ffmpeg and espeak-ng live in the real root, not this one's package database
    const dpkg = (...args: string[]) => runTool(["dpkg", `--instdir=${rootDir}`, `--admindir=${admin}`, "--log=/dev/null", "--force-not-root", "--force-depends", ...args]);
    const install = await dpkg("-i", deb("amd64"));
    expect(install.code).toBe(0);
    const installed = join(rootDir, "usr/bin/letsrobot");
    const ran = await runTool([installed, "--version"], { env: cleanEnv() });
    expect(ran).toMatchObject({ code: 0, stdout: `${version}\n` });
    const doctor = await runTool([installed, "doctor", "--json"], { env: cleanEnv() });
    expect([0, 3]).toContain(doctor.code);
    expect(JSON.parse(doctor.stdout).checks.length).toBeGreaterThan(5);
    expect(existsSync(join(rootDir, "lib/systemd/system/letsrobot@.service"))).toBe(true);

    const purge = await dpkg("--purge", "letsrobot");
    expect(purge.code).toBe(0);
    // nothing but dpkg's own bookkeeping differs from the empty root we started with
    const outsideDpkg = (paths: string[]) => paths.filter((p) => !p.startsWith("var/lib/dpkg/"));
    expect(outsideDpkg(tree(rootDir))).toEqual(outsideDpkg(before));
    expect(outsideDpkg(before)).toEqual(["var", "var/lib", "var/lib/dpkg"]);
    expect((await runTool(["dpkg", `--admindir=${admin}`, "--status", "letsrobot"])).code).not.toBe(0);
  }, 60_000);
});

describe("install.sh", () => {
  test("--binary --prefix installs this machine's binary after checking SHA256SUMS, and runs doctor", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "letsrobot-prefix-"));
    const result = await runTool(["sh", join(dist, "install.sh"), "--binary", "--prefix", prefix], { env: cleanEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toStartWith(`${version}\n`);
    expect(result.stdout).toContain("config file valid"); // doctor's report
    expect(result.stderr).toContain(`installed ${prefix}/bin/letsrobot`);
    expect((await runTool([join(prefix, "bin/letsrobot"), "--version"])).stdout).toBe(`${version}\n`);
  }, 60_000);

  test("refuses a binary that does not match SHA256SUMS, and names the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "letsrobot-bad-release-"));
    for (const file of ["install.sh", "SHA256SUMS"]) copyFileSync(join(dist, file), join(dir, file));
    writeFileSync(join(dir, "letsrobot-linux-x64"), "not the release\n");
    const prefix = mkdtempSync(join(tmpdir(), "letsrobot-prefix-"));
    const result = await runTool(["sh", join(dir, "install.sh"), "--binary", "--prefix", prefix], { env: cleanEnv() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("letsrobot-linux-x64 does not match SHA256SUMS: download it again");
    expect(existsSync(join(prefix, "bin/letsrobot"))).toBe(false);
  });

  test("--help prints the three ways to install and installs nothing", async () => {
    const result = await runTool(["sh", join(dist, "install.sh"), "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("sh install.sh --binary --prefix DIR only the binary, into DIR/bin (no root needed)");
    expect(result.stdout).not.toContain("config file valid"); // doctor did not run
  });

  test("an unknown option exits 2 naming it", async () => {
    const result = await runTool(["sh", join(dist, "install.sh"), "--frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option --frobnicate");
  });
});
