import { sql, type Kysely, type Transaction } from 'kysely';
import { questsAdvancedBy, settleProgress, utcDay, XP_RULES, type ProgressAction } from '../../domain/progress';
import { UserEventType, type NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import { appendUserEvents, type StoredUserEvent } from './eventRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** One action to count for one user, under the key that makes it count once. */
export interface ProgressAward {
  readonly userId: string;
  readonly action: ProgressAction;
  readonly key: string;
}

interface CountRow {
  xp: string | number | null;
  quests: Array<{ questId: string; count: number }> | string;
}

/**
 * Counts one action: its ledger row (once per user and key: a repeat inserts
 * nothing and changes nothing), its XP, the day's quests it advances, and, for
 * a quest completed or a level crossed, the `quest.completed` and `level.up`
 * events, all in one transaction. Only the user's own rows are locked, progress
 * before events, so awards never wait on each other in a cycle.
 */
export async function recordProgress(db: Kysely<Database>, award: ProgressAward, nowMs: number): Promise<StoredUserEvent[]> {
  const day = utcDay(nowMs);
  const xp = XP_RULES[award.action];
  const quests = questsAdvancedBy(award.action, day);
  // An action worth nothing today leaves no trace.
  if (xp === 0 && quests.length === 0) return [];
  const advanced =
    quests.length === 0
      ? sql`select null::text as quest_id, 0 as count where false`
      : sql`insert into quest_progress (user_id, day, quest_id, count)
            select l.user_id, ${day}::date, v.quest_id, 1
              from l, (values ${sql.join(quests.map((q) => sql`(${q.id}::text)`))}) as v(quest_id)
            on conflict (user_id, day, quest_id) do update set count = quest_progress.count + 1
            returning quest_id, count`;
  return db.transaction().execute(async (trx) => {
    const result = await sql<CountRow>`
      with l as (
        insert into progress_ledger (user_id, action_key, action, xp, day)
        values (${award.userId}, ${award.key}, ${award.action}, ${xp}, ${day}::date)
        on conflict (user_id, action_key) do nothing
        returning user_id
      ), p as (
        insert into user_progress (user_id, xp) select user_id, ${xp} from l
        on conflict (user_id) do update set xp = user_progress.xp + excluded.xp, updated_at = now()
        returning xp
      ), q as (${advanced})
      select (select xp from p) as xp,
             coalesce((select json_agg(json_build_object('questId', quest_id, 'count', count)) from q), '[]'::json) as quests`.execute(trx);
    const row = result.rows[0];
    if (!row || row.xp === null) return []; // counted before
    const counts = typeof row.quests === 'string' ? (JSON.parse(row.quests) as Array<{ questId: string; count: number }>) : row.quests;
    const outcome = settleProgress({
      xpBefore: Number(row.xp) - xp,
      xp,
      quests: quests.map((quest) => ({ quest, count: counts.find((c) => c.questId === quest.id)?.count ?? 0 })),
    });
    const bonus = outcome.xpGained - xp;
    if (bonus > 0) {
      await trx.updateTable('user_progress').set({ xp: sql`xp + ${bonus}` }).where('user_id', '=', award.userId).execute();
    }
    const events: NewUserEvent[] = outcome.completed.map((quest) => ({
      userId: award.userId,
      type: UserEventType.QUEST_COMPLETED,
      data: { questId: quest.id, title: quest.title, day, xp: quest.xp, totalXp: outcome.xpAfter },
    }));
    if (outcome.levelUp) {
      events.push({ userId: award.userId, type: UserEventType.LEVEL_UP, data: { level: outcome.levelUp.to, previousLevel: outcome.levelUp.from, xp: outcome.xpAfter } });
    }
    return appendUserEvents(trx, award.userId, events);
  });
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
 * end (their last attendance not closed before it), hosts aside, whose
 * attendance is not counted yet: at most `limit`.
 */
export async function findUncountedAttendance(
  db: Db,
  window: { readonly since: Date; readonly until: Date },
  limit: number,
): Promise<Array<{ eventId: string; userId: string }>> {
  const result = await sql<{ event_id: string; user_id: string }>`
    select distinct a.event_id, a.user_id
      from events e
      join attendance a on a.event_id = e.id
     where e.ends_at > ${window.since} and e.ends_at <= ${window.until}
       and (a.left_at is null or a.left_at >= e.ends_at)
       and not exists (select 1 from event_hosts h where h.event_id = e.id and h.user_id = a.user_id)
       and not exists (select 1 from progress_ledger l where l.user_id = a.user_id and l.action_key = 'event_attended:' || e.id::text)
     limit ${limit}`.execute(db);
  return result.rows.map((row) => ({ eventId: row.event_id, userId: row.user_id }));
}
