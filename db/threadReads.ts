import type { Kysely } from 'kysely';
import type { Database } from './types';
import { GroupCommit } from './groupCommit';
import { findErasedSince } from './repositories/messageRepository';
import { findThreadAccesses, loadThreads, type LoadedThread, type ThreadAccess } from './repositories/threadRepository';

/**
 * A node's per-join thread reads, grouped: the door check of every join to a
 * thread, and the load of every thread actor being created. The two members of a
 * new match open its thread together, and a burst of them would otherwise take
 * five statements per member, each waiting its turn for a pooled connection.
 * Each read gathers the event-loop turn its first ask arrived in (chat's connects came sooner so).
 */
export class ThreadReads {
  private readonly accesses: GroupCommit<{ matchId: string; userId: string }, ThreadAccess | undefined>;
  private readonly loads: GroupCommit<string, LoadedThread | undefined>;
  private readonly erasures: GroupCommit<{ readonly matchId: string; readonly sinceMs: number }, number[]>;

  constructor(db: Kysely<Database>, recentCount: number) {
    this.accesses = new GroupCommit((asks) => findThreadAccesses(db, asks), { maxInFlight: 2, maxBatch: 500, gatherTurn: true });
    this.loads = new GroupCommit(async (matchIds) => {
      const loaded = await loadThreads(db, matchIds, recentCount);
      return matchIds.map((id) => loaded.get(id));
    }, { maxInFlight: 2, maxBatch: 200, gatherTurn: true });
    // Every thread of a node asks at once when the node is back from a Redis outage.
    this.erasures = new GroupCommit((asks) => findErasedSince(db, asks), { maxInFlight: 2, maxBatch: 500, gatherTurn: true });
  }

  /** Whether the user may open the thread; undefined when the match does not exist. */
  access(matchId: string, userId: string): Promise<ThreadAccess | undefined> {
    return this.accesses.submit({ matchId, userId });
  }

  /** What a thread actor starts from (never changed by its readers); undefined when the match does not exist. */
  load(matchId: string): Promise<LoadedThread | undefined> {
    return this.loads.submit(matchId);
  }

  /** The sequences of the thread's messages deleted at `sinceMs` or later. */
  erasedSince(matchId: string, sinceMs: number): Promise<number[]> {
    return this.erasures.submit({ matchId, sinceMs });
  }
}
