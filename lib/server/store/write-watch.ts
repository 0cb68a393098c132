import { type FSWatcher, watch } from "node:fs";

/**
 * Whether another process may have changed the database lately. A process that commits writes the
 * write-ahead log in the data directory, and the kernel reports the write (inotify, through `fs.watch`), so
 * the store asks SQLite whether the robots changed only for a while after such a write, not on every turn of
 * the event loop while thousands of commands a second go through. A directory that cannot be watched (no
 * inotify watches left, a file system without them) is asked about on every turn, as before.
 */
export interface ChangeWindow {
  /** True while lookups should ask SQLite: for a while after a write (and at first), always without a watch. */
  open(): boolean;
  close(): void;
}

/** Call `onWrite` after each write to a file in `dir`, `onLost` if the watch stops; undefined when `dir` cannot be watched. */
export type WatchWrites = (dir: string, onWrite: () => void, onLost: () => void) => { close(): void } | undefined;

/** A commit is visible a moment after its write-ahead log is written, however busy the machine: ask for this long after a write. */
const askAfterWriteMs = 2000;

export function changeWindow(dir: string, watchDir: WatchWrites = watchWrites, askForMs = askAfterWriteMs): ChangeWindow {
  let until = Number.POSITIVE_INFINITY;
  const watching = watchDir(
    dir,
    () => {
      if (until !== Number.POSITIVE_INFINITY) until = performance.now() + askForMs;
    },
    () => {
      until = Number.POSITIVE_INFINITY;
    },
  );
  if (watching) until = performance.now() + askForMs;
  return { open: () => performance.now() < until, close: () => watching?.close() };
}

const watchWrites: WatchWrites = (dir, onWrite, onLost) => {
  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { persistent: false }, () => onWrite());
  } catch {
    return undefined;
  }
  watcher.on("error", () => {
    watcher.close();
    onLost();
  });
  return { close: () => watcher.close() };
};
