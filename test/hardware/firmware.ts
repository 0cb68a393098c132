import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../helpers/cli.ts";

/**
 * The real StandardFirmata build for the Arduino Uno, as shipped inside the avrgirl-arduino npm tarball.
 * Fetched once with `npm pack` (the package registry is the only download allowed) into a cache that is
 * never committed.
 */
const FIRMATA_PACKAGE = "avrgirl-arduino@5.0.1";
const ENTRY = "package/junk/hex/uno/StandardFirmata.cpp.hex";
const firmwareCache = join(root, "node_modules/.cache/letsrobot-firmata");
const firmataHexPath = join(firmwareCache, "StandardFirmata.uno.hex");

export async function ensureFirmataHex(): Promise<string> {
  if (existsSync(firmataHexPath)) return firmataHexPath;
  mkdirSync(firmwareCache, { recursive: true });
  const work = mkdtempSync(join(firmwareCache, "pack-"));
  try {
    const pack = Bun.spawnSync(["npm", "pack", FIRMATA_PACKAGE, "--silent", "--pack-destination", work], { cwd: work, stdout: "pipe", stderr: "pipe" });
    const tarball = pack.stdout.toString().trim().split("\n").pop() ?? "";
    if (pack.exitCode !== 0 || !tarball) throw new Error(`npm pack ${FIRMATA_PACKAGE} failed: ${pack.stderr.toString()}`);
    const tar = Bun.spawnSync(["tar", "-xzf", join(work, tarball), "-C", work, ENTRY], { stdout: "pipe", stderr: "pipe" });
    if (tar.exitCode !== 0) throw new Error(`cannot extract ${ENTRY}: ${tar.stderr.toString()}`);
    const partial = join(work, "StandardFirmata.uno.hex");
    writeFileSync(partial, readFileSync(join(work, ENTRY)));
    renameSync(partial, firmataHexPath); // whole or absent, even with two test runs fetching at once
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return firmataHexPath;
}

// `bun test/hardware/firmware.ts` fetches the firmware ahead of time (setup scripts, offline runs later)
if (import.meta.main) console.log(await ensureFirmataHex());
