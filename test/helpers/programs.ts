import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A directory of stand-in programs (shell scripts), to put first on PATH (rpicam-vid, vcgencmd on a PC). */
export function programDir(programs: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-bin-"));
  for (const [name, script] of Object.entries(programs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}
