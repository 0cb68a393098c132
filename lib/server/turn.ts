/**
 * A value read at most once per turn of the event loop. The store asks SQLite whether another process
 * changed the robots for a while after a write in the data directory; at thousands of commands a second
 * that query was a large share of the server's CPU, and within one turn its answer cannot usefully change,
 * so the first read of a turn is reused. (Clock reads are not worth it: reading the cached value touches
 * more memory than reading the clock, and a command runs with a cold cache.)
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
