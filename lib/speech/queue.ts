import type { Logger } from "../log.ts";
import type { Clock, TimerHandle } from "../clock.ts";

export interface SpeechItem {
  /** Platform message id, so `message_removed` can cancel it; may be empty. */
  id: string;
  user: string;
  text: string;
}

export interface SpeechQueueOptions {
  /** Speak one item; resolves when it has been said (or failed). */
  say: (text: string, volume: number, signal: AbortSignal) => Promise<void>;
  clock: Clock;
  /** Hold each message this long before speaking, so a moderator can remove it. */
  delayMs: number;
  volume: number;
  log?: Logger;
  /** Most messages waiting at once; newer ones are dropped beyond it (chat floods). */
  limit?: number;
  onSpoken?: (item: SpeechItem) => void;
}

type Waiting = SpeechItem & { readyAt: number };

/**
 * One speech queue: messages are spoken one after another by a single worker (never one process per
 * message at once). Supports a moderation delay, cancelling by message id, per-user and global mute.
 */
export class SpeechQueue {
  private readonly waiting: Waiting[] = [];
  private readonly mutedUsers = new Set<string>();
  private muted = false;
  private volume: number;
  private speaking: Promise<void> | undefined;
  private current: AbortController | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private spoken = 0;
  /** The last message failed to play: later failures are not warned about again. */
  private failing = false;

  constructor(private readonly options: SpeechQueueOptions) {
    this.volume = options.volume;
  }

  /** Queue a message; false when it is dropped (muted user, full queue, stopped). */
  enqueue(item: SpeechItem): boolean {
    if (this.stopped || this.muted || this.mutedUsers.has(item.user.toLowerCase())) return false;
    if (this.waiting.length >= (this.options.limit ?? 20)) {
      this.options.log?.warn(`speech queue full; dropped a message from ${item.user || "anonymous"}`);
      return false;
    }
    this.waiting.push({ ...item, readyAt: this.options.clock.now() + this.options.delayMs });
    this.pump();
    return true;
  }

  /** A moderator removed a message: drop it if it has not started. */
  cancel(id: string): boolean {
    const index = this.waiting.findIndex((w) => w.id !== "" && w.id === id);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  muteUser(user: string, muted: boolean): void {
    const key = user.toLowerCase();
    if (!muted) {
      this.mutedUsers.delete(key);
      return;
    }
    this.mutedUsers.add(key);
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.waiting[i]?.user.toLowerCase() === key) this.waiting.splice(i, 1);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (!muted) return;
    this.waiting.length = 0;
    this.current?.abort();
  }

  setVolume(volume: number): void {
    this.volume = Math.max(0, Math.min(100, volume));
  }

  status(): { waiting: number; speaking: boolean; spoken: number; muted: boolean; volume: number } {
    return { waiting: this.waiting.length, speaking: this.speaking !== undefined, spoken: this.spoken, muted: this.muted, volume: this.volume };
  }

  /** Drop everything waiting and wait for the message being spoken to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    this.current?.abort();
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.speaking;
  }

  /** Resolves once nothing is waiting or being spoken (tests, soak). */
  async drained(): Promise<void> {
    while (this.speaking || (this.waiting.length > 0 && !this.stopped)) {
      await (this.speaking ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  private pump(): void {
    if (this.speaking || this.timer !== undefined || this.stopped) return;
    const next = this.waiting[0];
    if (!next) return;
    const wait = next.readyAt - this.options.clock.now();
    if (wait > 0) {
      this.timer = this.options.clock.setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      return;
    }
    this.waiting.shift();
    const current = new AbortController();
    this.current = current;
    this.speaking = this.options
      .say(next.text, this.volume, current.signal)
      .then(
        () => {
          this.spoken += 1;
          this.failing = false;
          this.options.onSpoken?.(next);
        },
        (error: Error) => {
          if (current.signal.aborted) return;
          // one warning per run of failures (a missing speaker fails every message), not one per message
          if (this.failing) this.options.log?.debug(`speech failed: ${error.message}`);
          else this.options.log?.warn(`speech failed: ${error.message}; more failures are logged only with --verbose until a message is spoken`);
          this.failing = true;
        },
      )
      .finally(() => {
        this.speaking = undefined;
        this.current = undefined;
        this.pump();
      });
  }
}
