import type { Logger } from "../log.ts";

/**
 * Things started, in order, each with how to undo it: each part registers its undo right where it opens.
 * `close()` undoes them in reverse order of start-up, each step bounded in time and never throwing, so one
 * stuck part cannot keep the others running. `run` (lib/robot/session.ts) and `serve` (lib/server/platform.ts)
 * both shut down through one; a start that fails half-way closes it and so undoes exactly what had opened.
 */
export class Lifecycle {
  private readonly steps: { name: string; undo: () => unknown }[] = [];

  constructor(private readonly log: Logger) {}

  add(name: string, undo: () => unknown): void {
    this.steps.push({ name, undo });
  }

  async close(timeoutMs = 5000): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.undo),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`took longer than ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        this.log.debug(`stopped ${step.name}`);
      } catch (error) {
        this.log.warn(`stopping ${step.name} failed: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

/** Where crash handlers are installed (the real `process` in `run`; an EventEmitter in tests). */
export interface CrashSource {
  on(event: "uncaughtException" | "unhandledRejection", handler: (error: unknown) => void): unknown;
  off(event: "uncaughtException" | "unhandledRejection", handler: (error: unknown) => void): unknown;
}

/** On an uncaught error, call `onCrash` (`run` stops the motors first, then reports). Returns the uninstaller. */
export function installCrashStop(source: CrashSource, onCrash: (error: unknown) => void): () => void {
  const handler = (error: unknown) => onCrash(error);
  source.on("uncaughtException", handler);
  source.on("unhandledRejection", handler);
  return () => {
    source.off("uncaughtException", handler);
    source.off("unhandledRejection", handler);
  };
}

/**
 * What must still happen when the user will not wait for a clean shutdown (a second Ctrl-C): stop the motors.
 * `run` registers the driver's stop while the driver is open; cli/main.ts runs every step before it exits.
 */
export class LastStops {
  private readonly steps = new Set<() => unknown>();

  /** Returns the step's remover. */
  add(step: () => unknown): () => void {
    this.steps.add(step);
    return () => void this.steps.delete(step);
  }

  /** Run every step at once; resolves when all have finished or after `timeoutMs`. Never rejects. */
  async run(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.steps].map((step) => Promise.resolve().then(step).catch(() => undefined)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
