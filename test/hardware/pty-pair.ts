import { existsSync } from "node:fs";

/**
 * A pty pair made by socat: what a USB serial adapter looks like to the programs on its two ends.
 * socat runs under a tiny shell that kills it when our pipe to the shell closes, so it never outlives the
 * process that made it, even when that process is killed.
 */
export interface PtyPair {
  a: string;
  b: string;
  /** Remove both ends, as pulling the cable does. */
  unplug(): Promise<void>;
}

const GUARD = 'socat "$@" & p=$!; read _ignored; kill $p 2>/dev/null; wait $p';

export async function startPtyPair(a: string, b: string): Promise<PtyPair> {
  const guard = Bun.spawn(["sh", "-c", GUARD, "letsrobot-pty", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdin: "pipe",
    stdout: "ignore",
    stderr: "ignore",
  });
  for (let i = 0; i < 1000 && !(existsSync(a) && existsSync(b)); i++) await Bun.sleep(5);
  if (!(existsSync(a) && existsSync(b))) {
    guard.kill("SIGKILL");
    throw new Error("socat did not create the pty pair within 5 s (is socat installed? apt-get install socat)");
  }
  let gone: Promise<void> | undefined;
  return {
    a,
    b,
    unplug() {
      gone ??= (async () => {
        guard.stdin.end();
        const timer = setTimeout(() => guard.kill("SIGKILL"), 3000);
        await guard.exited;
        clearTimeout(timer);
      })();
      return gone;
    },
  };
}
