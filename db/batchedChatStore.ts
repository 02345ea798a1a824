import type { Kysely } from 'kysely';
import { GroupCommit, type GroupCommitLimits } from './groupCommit';
import { findMessagesByClientIds, type StoredMessage } from './repositories/messageRepository';
import { storeThreadBatches, type StoreOutcome, type ThreadBatch } from './repositories/messageBatchRepository';
import type { Database } from './types';

/**
 * Message writes in flight at once per node, and threads per write. With one in
 * flight, whatever arrives meanwhile shares the next commit: fewer, larger
 * commits measured best (loadtest/README.md, chat). A commit that finds the
 * database unavailable answers the threads queued behind it the same: their
 * senders resend under the same ids, as after the commit itself.
 */
export const MESSAGE_COMMIT_LIMITS: GroupCommitLimits = { maxInFlight: 1, maxBatch: 100, failsQueueWhenUnavailable: true };

/**
 * A node's chat storage: every thread's next messages go to one shared
 * statement and commit (group commit), however many threads the node holds.
 */
export class BatchedChatStore {
  private readonly commits: GroupCommit<ThreadBatch, StoreOutcome>;

  constructor(
    private readonly db: Kysely<Database>,
    /** Told how many threads shared each commit. */
    onFlush: (threads: number) => void = () => {},
    limits: GroupCommitLimits = MESSAGE_COMMIT_LIMITS,
  ) {
    this.commits = new GroupCommit((batches: readonly ThreadBatch[]) => {
      onFlush(batches.length);
      return storeThreadBatches(db, batches);
    }, limits);
  }

  /** Stores a thread's next messages in the node's next shared commit. */
  store(batch: ThreadBatch): Promise<StoreOutcome> {
    return this.commits.submit(batch);
  }

  /** Messages of a thread already stored under these senders' client ids (resends older than memory). */
  lookup(matchId: string, keys: ReadonlyArray<{ readonly senderId: string; readonly clientMessageId: string }>): Promise<StoredMessage[]> {
    return findMessagesByClientIds(this.db, matchId, keys);
  }
}
