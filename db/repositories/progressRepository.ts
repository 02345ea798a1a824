import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';
import type { StoredUserEvent } from './eventRepository';
import { recordProgressBatch, type ProgressAward } from './progressBatchRepository';

type Db = Kysely<Database> | Transaction<Database>;

export type { ProgressAward };

/**
 * Counts one action: its ledger row (once per user and key: a repeat inserts
 * nothing and changes nothing), its XP, the day's quests it advances, and, for
 * a quest completed or a level crossed, the `quest.completed` and `level.up`
 * events, all in one transaction (`recordProgressBatch`, with no other award).
 */
export async function recordProgress(db: Kysely<Database>, award: ProgressAward, nowMs: number): Promise<StoredUserEvent[]> {
  return (await recordProgressBatch(db, [{ award, nowMs }]))[0]!;
}

/** The user's XP and their counts of the day's quests. */
export async function findProgress(db: Db, userId: string, day: string): Promise<{ xp: number; counts: Map<string, number> }> {
  const [total, quests] = await Promise.all([
    db.selectFrom('user_progress').select('xp').where('user_id', '=', userId).executeTakeFirst(),
    db.selectFrom('quest_progress').select(['quest_id', 'count']).where('user_id', '=', userId).where(sql<string>`day`, '=', sql<string>`${day}::date`).execute(),
  ]);
  return { xp: Number(total?.xp ?? 0), counts: new Map(quests.map((q) => [q.quest_id, q.count])) };
}

/** True when the sender has a message in the thread before `seq`: a later one is not their first. */
export async function hasEarlierMessage(db: Db, matchId: string, senderId: string, seq: number): Promise<boolean> {
  const row = await db
    .selectFrom('messages')
    .select(sql`1`.as('one'))
    .where('match_id', '=', matchId)
    .where('sender_id', '=', senderId)
    .where('seq', '<', String(seq))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Attendees of events that ended since `since` who were in the room at the
 * end (an attendance not closed before it) and had been since at least the
 * stay `stayNeededToAttend` asks (`rule`: its figures), hosts aside, whose
 * attendance is not counted yet: at most `limit`.
 */
export async function findUncountedAttendance(
  db: Db,
  window: { readonly since: Date; readonly until: Date },
  rule: { readonly stayMs: number; readonly share: number },
  limit: number,
): Promise<Array<{ eventId: string; userId: string }>> {
  const result = await sql<{ event_id: string; user_id: string }>`
    select a.event_id, a.user_id
      from events e
      join attendance a on a.event_id = e.id
     where e.ends_at > ${window.since} and e.ends_at <= ${window.until}
       and (a.left_at is null or a.left_at >= e.ends_at)
       and not exists (select 1 from event_hosts h where h.event_id = e.id and h.user_id = a.user_id)
       and not exists (select 1 from progress_ledger l where l.user_id = a.user_id and l.action_key = 'event_attended:' || e.id::text)
     group by a.event_id, a.user_id, e.starts_at, e.ends_at
    -- The unbroken stay up to the end, counted from the start at the earliest (the doors open before it).
    having extract(epoch from e.ends_at - greatest(min(a.joined_at), e.starts_at)) * 1000
           >= least(${rule.stayMs}::float8, ${rule.share}::float8 * extract(epoch from e.ends_at - e.starts_at) * 1000)
     limit ${limit}`.execute(db);
  return result.rows.map((row) => ({ eventId: row.event_id, userId: row.user_id }));
}
