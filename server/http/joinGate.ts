import { AppError, ErrorCode } from '../../domain/errors';

export interface JoinGateLimits {
  /** Joins this node works on at once. */
  readonly maxInFlight: number;
  /** The longest a join waits for its turn before it is refused UNAVAILABLE. */
  readonly maxWaitMs: number;
}

interface Waiter {
  /** Hands the waiter its turn; undefined once it was refused. */
  admit: (() => void) | undefined;
}

/**
 * How many joins a node works on at once. The others wait their turn in arrival
 * order, and one that waited `maxWaitMs` is refused UNAVAILABLE, with a
 * retryAfterMs that spreads the refused over the next few seconds.
 *
 * Without it, a node that receives more joins than it can serve (a node died and
 * all its devices rejoin on the others at once) works on all of them together:
 * each gets a sliver of the node, none finishes within the join deadline, every
 * one is answered UNAVAILABLE, and the work done for them is lost while they all
 * come back. With it, the joins it admits are served at the node's pace and the
 * rest learn early when to come back.
 */
export class JoinGate {
  private inFlight = 0;
  /** Joins waiting for a turn, oldest first; a refused one is skipped when its turn comes. */
  private readonly queue: Array<Waiter | undefined> = [];
  private head = 0;

  constructor(
    private readonly limits: JoinGateLimits,
    /** Told of each join refused for waiting too long. */
    private readonly onRefused: () => void = () => {},
    private readonly random: () => number = Math.random,
  ) {}

  /** Joins in progress and joins waiting. */
  get load(): { readonly inFlight: number; readonly waiting: number } {
    return { inFlight: this.inFlight, waiting: this.queue.length - this.head };
  }

  /** Runs `join` once a turn is free; UNAVAILABLE if none was free within `maxWaitMs`. */
  async run<T>(join: () => Promise<T>): Promise<T> {
    // A turn handed over by admitNext is counted there, so no join arriving meanwhile takes it.
    if (this.inFlight >= this.limits.maxInFlight) await this.turn();
    else this.inFlight += 1;
    try {
      return await join();
    } finally {
      this.inFlight -= 1;
      this.admitNext();
    }
  }

  private turn(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { admit: undefined };
      const timer = setTimeout(() => {
        waiter.admit = undefined;
        this.onRefused();
        const retryAfterMs = Math.round(this.limits.maxWaitMs * (1 + this.random()));
        reject(new AppError(ErrorCode.UNAVAILABLE, `this node has more joins than it can serve now; retry in ${retryAfterMs} ms`, { retryAfterMs }));
      }, this.limits.maxWaitMs);
      waiter.admit = () => {
        clearTimeout(timer);
        resolve();
      };
      this.queue.push(waiter);
    });
  }

  private admitNext(): void {
    while (this.head < this.queue.length && this.inFlight < this.limits.maxInFlight) {
      const admit = this.queue[this.head]?.admit;
      this.queue[this.head++] = undefined;
      if (admit) {
        this.inFlight += 1;
        admit();
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
