import { isUnavailable } from '../domain/errors';

/** How a group commit batches: flushes at once, writes per flush, and when a flush starts. */
export interface GroupCommitLimits {
  readonly maxInFlight: number;
  readonly maxBatch: number;
  /**
   * A flush starts at the end of the event loop's turn in which its first write
   * arrived, so everything the node's sockets delivered in that turn shares it;
   * otherwise the first goes out alone at once and the rest wait a round trip
   * behind it. The swipes' reads and writes gather: the same swipes take a tenth
   * fewer statements (loadtest/README.md, "Statements planned once, and a turn's
   * swipes in one flush"); chat's deliveries came later with it, and it does not.
   */
  readonly gatherTurn?: boolean;
  /**
   * With `gatherTurn`: a flush that would start less than this long after the last
   * one ended waits until then, so that under load each flush carries what arrived
   * over a few milliseconds rather than over one round trip, in fewer statements;
   * a flush after a quiet spell (none ended that recently) starts at the turn's end.
   */
  readonly lingerMs?: number;
  /**
   * A flush that failed `UNAVAILABLE` (its dependency did not answer: a timeout, a
   * lost connection) fails the writes queued behind it with the same error, rather
   * than sending them to the same dependency a batch after another, each batch
   * waiting its own timeout. However long an outage lasts, a write then waits
   * about one timeout for its answer, and nothing piles up behind the first.
   */
  readonly failsQueueWhenUnavailable?: boolean;
}

/** The time and timers a group commit lingers by (real ones unless a test gives its own). */
export interface GroupCommitClock {
  now(): number;
  after(ms: number, run: () => void): void;
}

const REAL_CLOCK: GroupCommitClock = {
  now: () => performance.now(),
  after: (ms, run) => void setTimeout(run, ms),
};

/**
 * Gathers writes from many actors into shared flushes: up to `maxInFlight`
 * flushes run at once, and whatever arrives meanwhile waits for the next one,
 * `maxBatch` at most per flush. Under load, many share one statement and one commit.
 */
export class GroupCommit<Input, Output> {
  private readonly queue: Array<{ input: Input; resolve(output: Output): void; reject(error: unknown): void }> = [];
  private inFlight = 0;
  private pumpScheduled = false;
  private lastEndedAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** Writes the inputs all or nothing and answers each, in order. */
    private readonly flush: (inputs: readonly Input[]) => Promise<Output[]>,
    private readonly limits: GroupCommitLimits,
    private readonly clock: GroupCommitClock = REAL_CLOCK,
  ) {}

  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * Pumps at once, or (`gatherTurn`) once the I/O of this turn has been read: what it
   * delivered joins the flush; or (`lingerMs`) once that long has passed since the last flush ended.
   */
  private schedulePump(): void {
    if (!this.limits.gatherTurn) return this.pump();
    if (this.pumpScheduled || this.inFlight >= this.limits.maxInFlight || this.queue.length === 0) return;
    this.pumpScheduled = true;
    const go = () => {
      this.pumpScheduled = false;
      this.pump();
    };
    const wait = this.limits.lingerMs ? this.lastEndedAt + this.limits.lingerMs - this.clock.now() : 0;
    if (wait > 0) this.clock.after(wait, go);
    else setImmediate(go);
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.limits.maxBatch);
      this.inFlight += 1;
      this.flush(batch.map((entry) => entry.input))
        .then(
          (outputs) => batch.forEach((entry, i) => entry.resolve(outputs[i]!)),
          (error: unknown) => {
            batch.forEach((entry) => entry.reject(error));
            if (this.limits.failsQueueWhenUnavailable && isUnavailable(error)) this.queue.splice(0).forEach((entry) => entry.reject(error));
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          if (this.limits.lingerMs) this.lastEndedAt = this.clock.now();
          this.schedulePump();
        });
    }
  }
}
