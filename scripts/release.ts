#!/usr/bin/env bun
/**
 * `bun run release`: the files a release publishes, in dist/:
 *   letsrobot-linux-x64, letsrobot-linux-arm64     compiled binaries (Bun cross-compiles the ARM64 one)
 *   letsrobot_VERSION_amd64.deb, …_arm64.deb       Debian packages: /usr/bin/letsrobot and letsrobot@.service
 *   install.sh                                     installs the right one on a Pi (or any Debian) and runs doctor
 *   SHA256SUMS                                     `sha256sum -c SHA256SUMS` checks them all
 * The build is skipped when its inputs have not changed since the last one (dist/release.key holds a hash of
 * the program's source files, package.json, bun.lock, these scripts and the Bun version); --force rebuilds anyway.
 */
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { debControl, debCopyright, debUnit, targets } from "./deb.ts";

const root = resolve(import.meta.dir, "..");
const dist = join(root, "dist");
const { version, license } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; license: string };
const keyFile = join(dist, "release.key");

const binaryName = (suffix: string) => `letsrobot-${suffix}`;
const debName = (debian: string) => `letsrobot_${version}_${debian}.deb`;
export const releaseFiles = [...targets.map((t) => binaryName(t.suffix)), ...targets.map((t) => debName(t.debian)), "install.sh", "SHA256SUMS"];

function run(argv: string[]): string {
  const result = Bun.spawnSync(argv, { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (exit ${result.exitCode}):\n${result.stderr.toString().slice(-2000)}`);
  return result.stdout.toString();
}

/** What the release is built from: the program, its dependencies and these scripts (tests and docs are not). */
const inputs = ["cli", "commands", "lib", "scripts", "package.json", "bun.lock", "tsconfig.json"];

/** A hash of every input file git knows or would add (not ignored), and the Bun that compiles them. */
function sourceKey(): string | undefined {
  let files: string[];
  try {
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...inputs]).split("\0").filter(Boolean).sort();
  } catch {
    return undefined; // not a git checkout: always build
  }
  const hash = createHash("sha256").update(`bun ${Bun.version}\n`);
  for (const file of files) {
    const path = join(root, file);
    if (!existsSync(path)) continue; // deleted, not yet committed
    hash.update(`${file}\0`).update(readFileSync(path)).update("\0");
  }
  return hash.digest("hex");
}

function buildBinary(target: (typeof targets)[number]): string {
  const out = join(dist, binaryName(target.suffix));
  console.error(`release: compiling ${basename(out)} (${target.bun})`);
  run(["bun", "build", "cli/main.ts", "--compile", "--bytecode", "--splitting", "--format=esm", "--minify", `--target=${target.bun}`, "--outfile", out]);
  return out;
}

function buildDeb(target: (typeof targets)[number], binary: string): string {
  const stage = mkdtempSync(join(tmpdir(), "letsrobot-deb-"));
  try {
    // every directory 755 whatever the umask (mkdtemp makes the top one 700)
    for (const dir of ["", "DEBIAN", "usr", "usr/bin", "usr/share", "usr/share/doc", "usr/share/doc/letsrobot", "lib", "lib/systemd", "lib/systemd/system"]) {
      mkdirSync(join(stage, dir), { recursive: true });
      chmodSync(join(stage, dir), 0o755);
    }
    copyFileSync(binary, join(stage, "usr/bin/letsrobot"));
    chmodSync(join(stage, "usr/bin/letsrobot"), 0o755);
    writeFileSync(join(stage, "lib/systemd/system/letsrobot@.service"), debUnit(30), { mode: 0o644 });
    writeFileSync(join(stage, "usr/share/doc/letsrobot/copyright"), debCopyright(license), { mode: 0o644 });
    const installedKiB = Math.ceil(statSync(binary).size / 1024) + 8;
    writeFileSync(join(stage, "DEBIAN/control"), debControl({ version, debian: target.debian, installedKiB }), { mode: 0o644 });
    const out = join(dist, debName(target.debian));
    console.error(`release: packaging ${basename(out)}`);
    run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", stage, out]);
    return out;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export function release(options: { force?: boolean } = {}): string[] {
  mkdirSync(dist, { recursive: true });
  const key = sourceKey();
  const paths = releaseFiles.map((name) => join(dist, name));
  if (!options.force && key && existsSync(keyFile) && readFileSync(keyFile, "utf8").trim() === key && paths.every((p) => existsSync(p))) {
    console.error("release: sources unchanged since the last build; dist/ is up to date (--force rebuilds)");
    return paths;
  }
  rmSync(keyFile, { force: true });
  for (const target of targets) buildDeb(target, buildBinary(target));
  copyFileSync(join(root, "scripts/install.sh"), join(dist, "install.sh"));
  chmodSync(join(dist, "install.sh"), 0o755);
  const sums = releaseFiles.filter((name) => name !== "SHA256SUMS").map((name) => `${sha256(join(dist, name))}  ${name}\n`);
  writeFileSync(join(dist, "SHA256SUMS"), sums.join(""));
  if (key) writeFileSync(keyFile, `${key}\n`);
  return paths;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--force");
  if (unknown.length) {
    console.error(`release: unknown option ${unknown[0]} (--force rebuilds even when the sources are unchanged)`);
    process.exit(2);
  }
  try {
    for (const path of release({ force: args.includes("--force") })) console.log(path);
  } catch (error) {
    console.error(`release: ${(error as Error).message}`);
    process.exit(1);
  }
}
