import type { StoredMessage } from '../../db/repositories/messageRepository';
import type { StoreOutcome, ThreadBatch } from '../../db/repositories/messageBatchRepository';

/**
 * Where threads store their messages (db/batchedChatStore implements it): each
 * write shares a commit with the node's other threads.
 */
export interface ChatStore {
  store(batch: ThreadBatch): Promise<StoreOutcome>;
  /** Messages of a thread already stored under these senders' client ids. */
  lookup(matchId: string, keys: ReadonlyArray<{ readonly senderId: string; readonly clientMessageId: string }>): Promise<StoredMessage[]>;
}
