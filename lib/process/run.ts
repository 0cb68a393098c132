/** Run a short-lived program to completion and collect its output. The one place that spawns one-shot tools. */
interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The program could not be started (not installed). */
  missing?: boolean;
  timedOut?: boolean;
}

export type RunProcess = (cmd: string, args: string[], options?: { timeoutMs?: number; stdin?: Uint8Array }) => Promise<ProcessResult>;

export const runProcess: RunProcess = async (cmd, args, options = {}) => {
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn([cmd, ...args], {
      stdin: options.stdin ?? "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch {
    return { code: null, stdout: "", stderr: `${cmd}: not found`, missing: true };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 10000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout as ReadableStream).text(),
    new Response(child.stderr as ReadableStream).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr, timedOut };
};
