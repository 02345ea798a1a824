/**
 * Gathers writes from many actors into shared flushes: up to `maxInFlight`
 * flushes run at once, and whatever arrives meanwhile waits for the next one,
 * `maxBatch` at most per flush. Alone, a write goes out at once; under load,
 * many share one statement and one commit.
 */
export class GroupCommit<Input, Output> {
  private readonly queue: Array<{ input: Input; resolve(output: Output): void; reject(error: unknown): void }> = [];
  private inFlight = 0;

  constructor(
    /** Writes the inputs all or nothing and answers each, in order. */
    private readonly flush: (inputs: readonly Input[]) => Promise<Output[]>,
    private readonly limits: { readonly maxInFlight: number; readonly maxBatch: number },
  ) {}

  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
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
          this.pump();
        });
    }
  }
}
