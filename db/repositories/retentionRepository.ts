import { sql, type Kysely } from 'kysely';
import type { Database } from '../types';

/** The advisory lock key the pruning job holds while it runs: one node of a cluster at a time. */
export const RETENTION_LOCK_KEY = 0x6b69_736d; // "kism"
/** Rows deleted per statement, so no one statement holds many locks for long. */
export const PRUNE_BATCH = 5_000;

export type PruneOutcome =
  /** Another node holds the job's lock and is pruning now. */
  | { readonly kind: 'busy' }
  | { readonly kind: 'pruned'; readonly events: number };

/**
 * Deletes stored events older than `before` that a device of their user
 * acknowledged (at or below the highest acknowledged sequence of any of the
 * user's devices), in batches, under a session advisory lock taken on one
 * connection: a second node trying meanwhile is told `busy` and does nothing.
 * Events nobody acknowledged are kept whatever their age, and the user's
 * sequence counter is untouched, so numbering goes on after a gap.
 */
export async function pruneDeliveredEvents(db: Kysely<Database>, before: Date, batch = PRUNE_BATCH): Promise<PruneOutcome> {
  return db.connection().execute(async (connection) => {
    const locked = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${RETENTION_LOCK_KEY}) as locked`.execute(connection);
    if (!locked.rows[0]?.locked) return { kind: 'busy' };
    try {
      let events = 0;
      for (;;) {
        const deleted = await sql`
          with doomed as (
            select e.user_id, e.seq
              from stored_events e
             where e.created_at < ${before}
               and e.seq <= (select max(c.acked_seq) from device_cursors c where c.user_id = e.user_id)
             limit ${batch}
          )
          delete from stored_events s using doomed d where s.user_id = d.user_id and s.seq = d.seq`.execute(connection);
        const count = Number(deleted.numAffectedRows ?? 0);
        events += count;
        if (count < batch) return { kind: 'pruned', events };
      }
    } finally {
      await sql`select pg_advisory_unlock(${RETENTION_LOCK_KEY})`.execute(connection);
    }
  });
}
