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
}

/**
 * Gathers writes from many actors into shared flushes: up to `maxInFlight`
 * flushes run at once, and whatever arrives meanwhile waits for the next one,
 * `maxBatch` at most per flush. Under load, many share one statement and one commit.
 */
export class GroupCommit<Input, Output> {
  private readonly queue: Array<{ input: Input; resolve(output: Output): void; reject(error: unknown): void }> = [];
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(
    /** Writes the inputs all or nothing and answers each, in order. */
    private readonly flush: (inputs: readonly Input[]) => Promise<Output[]>,
    private readonly limits: GroupCommitLimits,
  ) {}

  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedulePump();
    });
  }

  /** Pumps at once, or (`gatherTurn`) once the I/O of this turn has been read: what it delivered joins the flush. */
  private schedulePump(): void {
    if (!this.limits.gatherTurn) return this.pump();
    if (this.pumpScheduled || this.inFlight >= this.limits.maxInFlight) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.limits.maxBatch);
      this.inFlight += 1;
      this.flush(batch.map((entry) => entry.input))
        .then(
          (outputs) => batch.forEach((entry, i) => entry.resolve(outputs[i]!)),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.schedulePump();
        });
    }
  }
}
