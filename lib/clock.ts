/** Time as the robot loop sees it, so dead-man and liveness logic run under a fake clock in tests. */
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /** How late this clock's timers have been firing lately (ms): a safety deadline is armed that much early. */
  lateness?(): number;
}

/**
 * Timers of a real event loop fire late: about 1 ms when idle, tens of ms on a busy machine. The latest
 * lateness seen, decaying slowly, and never under 10 ms: safety timers are few and seldom fire, so one
 * busy moment must count for a while.
 */
let late = 10;

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const due = performance.now() + ms;
    return setTimeout(() => {
      late = Math.max(performance.now() - due, late * 0.95, 10);
      fn();
    }, ms);
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
  lateness: () => late,
};
