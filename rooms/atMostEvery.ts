/** The time, and a timer that can be cancelled (real ones unless a test gives its own). */
export interface Timers {
  now(): number;
  after(ms: number, run: () => void): () => void;
}

export const REAL_TIMERS: Timers = {
  now: () => performance.now(),
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/**
 * Runs `run` at most every `intervalMs`: asked again while a run waits, it still
 * runs once; asked after a quiet spell, it runs at once (in the next turn). For
 * what an actor tells everyone of a state that changes often (a lobby's count, an
 * event's hand queue): the state as it is then goes out, not every change.
 */
export class AtMostEvery {
  private lastRunAt = Number.NEGATIVE_INFINITY;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => void,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  request(): void {
    if (this.cancel) return;
    const wait = Math.max(0, this.lastRunAt + this.intervalMs - this.timers.now());
    this.cancel = this.timers.after(wait, () => {
      this.cancel = undefined;
      this.lastRunAt = this.timers.now();
      this.run();
    });
  }

  /** Nothing more runs (the actor is going). */
  close(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
