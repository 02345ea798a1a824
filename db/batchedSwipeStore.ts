import type { Kysely } from 'kysely';
import { isDeadlock } from './faults';
import { GroupCommit, type GroupCommitLimits } from './groupCommit';
import { recordSwipes } from './repositories/swipeBatchRepository';
import { loadSwipeContexts, type LoadedSwipeContext, type SwipeContextQuery, type SwipeToRecord, type SwipeWrite } from './repositories/swipeRepository';
import type { Database } from './types';

/**
 * Swipe writes in flight at once per node, and swipes per write: with one in
 * flight, whatever arrives meanwhile shares the next commit (as chat's). Up to
 * 1,000: a flush is five round trips whatever its size, and at the start of a
 * burst, while the node's code is still being compiled, flushes of 250 drained
 * the backlog slower than larger ones (loadtest/README.md, "Swipes without the
 * swiper's key, and arrays sent as bytes, 2026-12-05"). A write that finds the
 * database unavailable answers the swipes queued behind it the same, as a read does:
 * while Postgres stalls, a swipe is refused within about one query timeout.
 */
export const SWIPE_COMMIT_LIMITS: GroupCommitLimits = { maxInFlight: 1, maxBatch: 1000, gatherTurn: true, failsQueueWhenUnavailable: true };
/**
 * Swipe reads in flight at once per node, and swipes per read. One, as the
 * writes: on a busy node a read's statement costs more than its rows, so
 * fewer, larger reads answer sooner than two small ones at a time. For the same
 * reason a read under load starts 2 ms after the last one ended: at 4,000 swipes
 * a second that took a third of the reads away, with a little less of Postgres's
 * CPU and shorter warm tails (loadtest/README.md, "Swipe reads that linger, 2026-12-06").
 */
export const SWIPE_READ_LIMITS: GroupCommitLimits = { maxInFlight: 1, maxBatch: 250, gatherTurn: true, lingerMs: 2, failsQueueWhenUnavailable: true };
/** A flush that lost a deadlock to another transaction is tried again this many times. */
const DEADLOCK_RETRIES = 3;

/**
 * A node's swipes: every session's swipe context is read in the node's next
 * shared read, and every swipe stored in its next shared commit
 * (`recordSwipes`), however many sessions the node holds.
 */
export class BatchedSwipeStore {
  private readonly reads: GroupCommit<SwipeContextQuery, LoadedSwipeContext | undefined>;
  private readonly commits: GroupCommit<SwipeToRecord, SwipeWrite>;

  constructor(db: Kysely<Database>, onFlush: (swipes: number) => void = () => {}) {
    this.reads = new GroupCommit((queries) => loadSwipeContexts(db, queries), SWIPE_READ_LIMITS);
    this.commits = new GroupCommit((swipes) => {
      onFlush(swipes.length);
      return recordSettled(db, swipes);
    }, SWIPE_COMMIT_LIMITS);
  }

  /** Everything deciding a swipe needs, read with the node's other sessions' swipes. */
  read(query: SwipeContextQuery): Promise<LoadedSwipeContext | undefined> {
    return this.reads.submit(query);
  }

  /** Stores a swipe (and what it causes) in the node's next shared commit. */
  record(swipe: SwipeToRecord): Promise<SwipeWrite> {
    return this.commits.submit(swipe);
  }
}

/** Stores a flush, tried again after a lost deadlock (rolled back whole: trying again stores each swipe once). */
async function recordSettled(db: Kysely<Database>, swipes: readonly SwipeToRecord[]): Promise<SwipeWrite[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await recordSwipes(db, swipes);
    } catch (error) {
      if (!isDeadlock(error) || attempt >= DEADLOCK_RETRIES) throw error;
    }
  }
}
