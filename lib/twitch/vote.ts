/**
 * Democracy mode: the first vote opens a window; when it closes, the command with the most votes wins.
 * One ballot per user per window (a later vote replaces an earlier one). Ties go to the command whose
 * earliest standing ballot came first. Pure apart from the injected clock.
 */
import type { Clock } from "../clock.ts";

export interface VoteResult {
  command: string;
  votes: number;
  total: number;
  /** Every command's count, in order of first standing ballot. */
  tally: [string, number][];
}

export class VoteBox {
  /** user → command, in order of casting (a changed vote moves to the end). */
  private readonly ballots = new Map<string, string>();
  private deadline: number | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly now: Clock["now"],
    /** Ballots held at most per window, so a flood of distinct users cannot grow memory without bound. */
    private readonly maxBallots = 10_000,
  ) {}

  /** When the open window closes; undefined when no vote is running. */
  get closesAt(): number | undefined {
    return this.deadline;
  }

  /** Record a ballot; opens a window when none is running. False when the box is full. */
  cast(user: string, command: string): { opened: boolean; closesAt: number } | undefined {
    const opened = this.deadline === undefined;
    if (opened) this.deadline = this.now() + this.windowMs;
    if (!this.ballots.has(user) && this.ballots.size >= this.maxBallots) return undefined;
    this.ballots.delete(user);
    this.ballots.set(user, command);
    return { opened, closesAt: this.deadline as number };
  }

  /** True when a window is open and its time is up. */
  due(): boolean {
    return this.deadline !== undefined && this.now() >= this.deadline;
  }

  /** Close the window if it is due: the winner, or undefined when not due or empty. */
  closeIfDue(): VoteResult | undefined {
    if (!this.due()) return undefined;
    const counts = new Map<string, number>();
    for (const command of this.ballots.values()) counts.set(command, (counts.get(command) ?? 0) + 1);
    this.ballots.clear();
    this.deadline = undefined;
    let best: [string, number] | undefined;
    for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
    if (!best) return undefined;
    return { command: best[0], votes: best[1], total: [...counts.values()].reduce((a, b) => a + b, 0), tally: [...counts] };
  }
}
