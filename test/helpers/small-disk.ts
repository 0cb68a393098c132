import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real small disk for full-disk tests: a 2 MiB tmpfs. Mounting needs root with mount permission; without
 * it `skip` says why and the tests using it are skipped.
 */
export interface SmallDisk {
  dir: string;
  /** Empty when mounted; otherwise the reason the full-disk tests are skipped. */
  skip: string;
  /** Write until the disk has no byte left. */
  fill(): void;
  free(): void;
  unmount(): void;
}

export function smallDisk(): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), "letsrobot-full-"));
  let skip = "";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    skip = `cannot mount a small tmpfs (${(error as Error).message.split("\n")[0]}): run the tests as root with mount permission`;
    console.warn(`full-disk tests skipped: ${skip}`);
  }
  const filler = join(dir, "filler");
  return {
    dir,
    skip,
    fill() {
      try {
        writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOSPC") return;
        throw error;
      }
      throw new Error(`${dir} did not fill up`);
    },
    free: () => rmSync(filler, { force: true }),
    unmount() {
      if (!skip) execFileSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
