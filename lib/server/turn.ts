/**
 * A value read at most once per turn of the event loop. Per command the server would otherwise read the
 * clock several times and ask SQLite whether another process changed the robots: on a virtual machine a
 * clock read can be a system call, and at thousands of commands per second these reads were a large share
 * of the server's CPU. Within one turn the answer cannot usefully change for these uses (token buckets,
 * timestamps to the millisecond, robots another process edits), so the first read of a turn is reused.
 */
export function perTurn<T>(read: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (cached) return cached.value;
    const value = read();
    cached = { value };
    setImmediate(() => {
      cached = undefined;
    });
    return value;
  };
}

/** `performance.now()`, read once per turn. */
export const turnClock = perTurn(() => performance.now());

/** `Date.now()`, read once per turn. */
export const turnDate = perTurn(() => Date.now());
