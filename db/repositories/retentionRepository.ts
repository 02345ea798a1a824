import { sql, type Kysely } from 'kysely';
import type { Database } from '../types';
import { UNPREPARED } from '../preparingPool';
import { deletePushTargetsOfEndedSessions } from './livePushTargets';

/** The advisory lock key the pruning job holds while it runs: one node of a cluster at a time. */
export const RETENTION_LOCK_KEY = 0x6b69_736d; // "kism"
/** Rows deleted per statement, so no one statement holds many locks for long. */
export const PRUNE_BATCH = 5_000;

export type PruneOutcome =
  /** Another node holds the job's lock and is pruning now. */
  | { readonly kind: 'busy' }
  | { readonly kind: 'pruned'; readonly events: number; readonly refreshTokens: number; readonly deviceCursors: number; readonly pushTargets: number };

/**
 * Deletes, in batches, under a session advisory lock taken on one connection (a
 * second node trying meanwhile is told `busy` and does nothing): stored events
 * older than `eventsBefore` that a device of their user acknowledged (at or below
 * the highest acknowledged sequence of any of the user's devices), and refresh
 * tokens that expired before `tokensExpiredBefore`, spent, revoked or not. Events
 * nobody acknowledged are kept whatever their age, and the user's sequence counter
 * is untouched, so numbering goes on after a gap. A spent token is kept until then
 * (its expiry and one more lifetime: the retention job's cutoff): presented again
 * meanwhile, even expired, it revokes its session. Then devices' cursors last seen
 * before `cursorsSeenBefore` (the events' cutoff: every event such a device
 * acknowledged was stored before it, and went in the same round if another device
 * had not held it back): such a device starts as a new one on its next join.
 * And the push targets whose log-in session is no longer live (expired, or without one: see
 * liveSessionOf), which no push reaches already.
 */
export async function pruneRetained(
  db: Kysely<Database>,
  cutoffs: { readonly eventsBefore: Date; readonly tokensExpiredBefore: Date; readonly cursorsSeenBefore: Date },
  batch = PRUNE_BATCH,
): Promise<PruneOutcome> {
  return db.connection().execute(async (connection) => {
    const locked = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${RETENTION_LOCK_KEY}) as locked`.execute(connection);
    if (!locked.rows[0]?.locked) return { kind: 'busy' };
    try {
      // Events before cursors: the cursors going now say which events were delivered.
      const events = await pruneDeliveredEvents(connection, cutoffs.eventsBefore, batch);
      const refreshTokens = await pruneExpiredRefreshTokens(connection, cutoffs.tokensExpiredBefore, batch);
      const pushTargets = await deletePushTargetsOfEndedSessions(connection, batch);
      return { kind: 'pruned', events, refreshTokens, deviceCursors: await pruneUnseenCursors(connection, cutoffs.cursorsSeenBefore, batch), pushTargets };
    } finally {
      await sql`select pg_advisory_unlock(${RETENTION_LOCK_KEY})`.execute(connection);
    }
  });
}

async function pruneDeliveredEvents(connection: Kysely<Database>, before: Date, batch: number): Promise<number> {
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
    if (count < batch) return events;
  }
}

/**
 * Every rotation writes a token, and nothing else deletes one but an erasure: without this a
 * session's chain grew the table for ever. Planned for the moment at each round (UNPREPARED):
 * through the expiry index while few have expired, not by a plan made once for any moment.
 */
async function pruneExpiredRefreshTokens(connection: Kysely<Database>, expiredBefore: Date, batch: number): Promise<number> {
  let tokens = 0;
  for (;;) {
    const deleted = await sql`${sql.raw(UNPREPARED)}
      delete from refresh_tokens where id in (select id from refresh_tokens where expires_at < ${expiredBefore} limit ${batch})`.execute(connection);
    const count = Number(deleted.numAffectedRows ?? 0);
    tokens += count;
    if (count < batch) return tokens;
  }
}

/**
 * A device's cursor is written by its acknowledgements alone, and device ids are the client's
 * to choose: without this an account's devices of long ago stayed for ever. Found through
 * `device_cursors_by_last_seen` (UNPREPARED, as above); rows an acknowledgement holds now are
 * passed over (SKIP LOCKED), that acknowledgement seeing them again, so the round never waits on one.
 */
async function pruneUnseenCursors(connection: Kysely<Database>, seenBefore: Date, batch: number): Promise<number> {
  let cursors = 0;
  for (;;) {
    const deleted = await sql`${sql.raw(UNPREPARED)}
      delete from device_cursors d
       using (select user_id, device_id from device_cursors where last_seen_at < ${seenBefore} limit ${batch} for update skip locked) o
       where d.user_id = o.user_id and d.device_id = o.device_id`.execute(connection);
    const count = Number(deleted.numAffectedRows ?? 0);
    cursors += count;
    if (count < batch) return cursors;
  }
}
