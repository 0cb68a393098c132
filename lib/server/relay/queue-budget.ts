/**
 * The relay's memory bound. Each viewer may queue `freeQueueBytes` on its own; bytes queued beyond that by
 * all viewers together share one budget of `maxBehindBytes`; no viewer queues more than `maxQueueBytes`. So
 * the relay never holds more than `viewers × freeQueueBytes + maxBehindBytes` for viewers, and a few stalled
 * viewers cannot take the bytes healthy viewers need (those stay under `freeQueueBytes`).
 */
export interface QueueBudgetOptions {
  maxQueueBytes: number;
  freeQueueBytes: number;
  maxBehindBytes: number;
}

export class QueueBudget {
  /** Bytes queued beyond each viewer's free share, all viewers together. */
  private behind = 0;

  constructor(private readonly options: QueueBudgetOptions) {}

  private behindOf(queued: number): number {
    return Math.max(0, queued - this.options.freeQueueBytes);
  }

  /** Whether `size` more bytes fit in a viewer's queue that holds `queued` now. */
  fits(queued: number, size: number): boolean {
    if (queued + size > this.options.maxQueueBytes) return false;
    const extra = this.behindOf(queued + size) - this.behindOf(queued);
    return extra <= 0 || this.behind + extra <= this.options.maxBehindBytes;
  }

  /** Queue `size` bytes for a viewer (a negative size gives them back), keeping the shared count right. */
  queue(viewer: { queued: number }, size: number): void {
    this.behind += this.behindOf(viewer.queued + size) - this.behindOf(viewer.queued);
    viewer.queued += size;
  }
}
