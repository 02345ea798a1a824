import { AppError, ErrorCode } from '../../domain/errors';

export interface JoinGateLimits {
  /** Joins this node works on at once. */
  readonly maxInFlight: number;
  /** The longest a join waits for its turn before it is refused UNAVAILABLE. */
  readonly maxWaitMs: number;
  /** A refused join is told to come back in one to two of these, at random. */
  readonly retryAfterMs: number;
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
 * come back. With it, the joins it admits are served at the node's pace.
 *
 * The wait is long (JOIN_WAIT_MS, 15 s by default) because a waiting join costs
 * the node next to nothing, while a refused one costs its device the wait it
 * already did, the time it is told to stay away and the trip back, and the node
 * the turns nobody takes meanwhile. Measured with `npm run bench -- reconnect`:
 * a node given 10,000 rejoins at once, refusing those that waited 2.5 s, ran
 * dry for seconds while the refused stayed away, and the last device was served
 * again about 19 s after its node died; waiting up to 15 s, the node served them
 * back to back (loadtest/README.md).
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

  get maxWaitMs(): number {
    return this.limits.maxWaitMs;
  }

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
        const retryAfterMs = Math.round(this.limits.retryAfterMs * (1 + this.random()));
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
