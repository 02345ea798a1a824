import { sql, type Kysely, type Transaction } from 'kysely';
import { questsAdvancedBy, settleProgress, utcDay, XP_RULES, type ProgressAction, type QuestDefinition } from '../../domain/progress';
import { progressEvents, type NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import type { StoredUserEvent } from './eventRepository';
import { appendEventsOfUsers } from './userEventBatchRepository';
import { groupBy } from './groupBy';

/** One action to count for one user, under the key that makes it count once. */
export interface ProgressAward {
  readonly userId: string;
  readonly action: ProgressAction;
  readonly key: string;
}

/** An award to count, with the time it is counted at (its quest day). */
export interface TimedAward {
  readonly award: ProgressAward;
  readonly nowMs: number;
}

interface Counted {
  won: number[] | null;
  totals: Array<{ u: string; xp: number }> | null;
  quests: Array<{ u: string; d: string; q: string; n: number }> | null;
}

/**
 * Counts many awards (a node's flush) in one transaction: their ledger rows,
 * XP and quest counts in one statement, then any quest bonus and the
 * `quest.completed` / `level.up` events. The outcome is as if each award had
 * been counted alone, one after another in the order given (`recordProgress`):
 * a key counted before, or earlier in the flush, earns nothing. Rows are
 * locked in user order, progress before events, so flushes never deadlock.
 */
export async function recordProgressBatch(db: Kysely<Database>, items: readonly TimedAward[]): Promise<StoredUserEvent[][]> {
  const counted = items.map((item) => {
    const day = utcDay(item.nowMs);
    return { ...item, day, xp: XP_RULES[item.award.action], quests: questsAdvancedBy(item.award.action, day) };
  });
  // An action worth nothing today leaves no trace.
  const worth = counted.map((c, i) => ({ ...c, i })).filter((c) => c.xp !== 0 || c.quests.length > 0);
  if (worth.length === 0) return items.map(() => []);
  return db.transaction().execute(async (trx) => {
    const row = (await countAwards(trx, worth)).rows[0]!;
    const won = new Set(row.won ?? []);
    const totals = new Map((row.totals ?? []).map((t) => [t.u, Number(t.xp)]));
    const questCounts = new Map((row.quests ?? []).map((q) => [`${q.u}|${q.d}|${q.q}`, Number(q.n)]));
    // Settle each user's awards in order, from the XP before the flush's and each quest's count after each award.
    const byUser = groupBy(worth.filter((c) => won.has(c.i)), (c) => c.award.userId);
    const owed: Array<{ item: number; event: NewUserEvent }> = [];
    const bonuses: Array<{ userId: string; bonus: number }> = [];
    for (const [userId, awards] of byUser) {
      let xpBefore = totals.get(userId)! - awards.reduce((sum, c) => sum + c.xp, 0);
      let bonusTotal = 0;
      awards.forEach((c, k) => {
        const later = awards.slice(k + 1).filter((l) => l.day === c.day);
        const countOf = (quest: QuestDefinition) =>
          (questCounts.get(`${userId}|${c.day}|${quest.id}`) ?? 0) - later.filter((l) => l.quests.some((q) => q.id === quest.id)).length;
        const outcome = settleProgress({ xpBefore, xp: c.xp, quests: c.quests.map((quest) => ({ quest, count: countOf(quest) })) });
        bonusTotal += outcome.xpGained - c.xp;
        xpBefore = outcome.xpAfter;
        for (const event of progressEvents(userId, c.day, outcome)) owed.push({ item: c.i, event });
      });
      if (bonusTotal > 0) bonuses.push({ userId, bonus: bonusTotal });
    }
    if (bonuses.length > 0) {
      await sql`update user_progress p set xp = p.xp + b.bonus
                  from unnest(${bonuses.map((b) => b.userId)}::uuid[], ${bonuses.map((b) => b.bonus)}::int[]) as b(user_id, bonus)
                 where p.user_id = b.user_id`.execute(trx);
    }
    const stored = await appendEventsOfUsers(trx, owed.map((o) => o.event));
    const events = items.map((): StoredUserEvent[] => []);
    owed.forEach((o, k) => {
      if (stored[k]) events[o.item]!.push(stored[k]);
    });
    return events;
  });
}

/** The ledger rows, XP and quest counts of the awards, in one statement: which counted, and the totals after. */
function countAwards(trx: Transaction<Database>, awards: ReadonlyArray<{ award: ProgressAward; day: string; xp: number; quests: readonly QuestDefinition[]; i: number }>) {
  const advances = awards.flatMap((c) => c.quests.map((quest) => ({ i: c.i, questId: quest.id })));
  return sql<Counted>`
    with v as (
      select * from unnest(${awards.map((c) => c.i)}::int[], ${awards.map((c) => c.award.userId)}::uuid[], ${awards.map((c) => c.award.key)}::text[],
                           ${awards.map((c) => c.award.action)}::text[], ${awards.map((c) => c.xp)}::int[], ${awards.map((c) => c.day)}::date[])
        as v(i, user_id, action_key, action, xp, day)
      -- An account erased meanwhile earns nothing: as committed when this statement began (an
      -- award that began before the erasure committed is swept after it, finishErasure).
      where not exists (select 1 from users u where u.id = v.user_id and u.deleted_at is not null)
    ), l as (
      insert into progress_ledger (user_id, action_key, action, xp, day)
      select user_id, action_key, action, xp, day from v order by user_id, action_key
      on conflict (user_id, action_key) do nothing
      returning user_id, action_key
    ), won as (
      -- A key twice in the flush: its first award counts.
      select distinct on (v.user_id, v.action_key) v.* from v join l using (user_id, action_key) order by v.user_id, v.action_key, v.i
    ), p as (
      insert into user_progress (user_id, xp)
      select user_id, sum(xp) from won group by user_id order by user_id
      on conflict (user_id) do update set xp = user_progress.xp + excluded.xp, updated_at = now()
      returning user_id, xp
    ), q as (
      insert into quest_progress (user_id, day, quest_id, count)
      select won.user_id, won.day, a.quest_id, count(*)
        from won join unnest(${advances.map((a) => a.i)}::int[], ${advances.map((a) => a.questId)}::text[]) as a(i, quest_id) on a.i = won.i
       group by won.user_id, won.day, a.quest_id
       order by 1, 2, 3
      on conflict (user_id, day, quest_id) do update set count = quest_progress.count + excluded.count
      returning user_id, day, quest_id, count
    )
    select (select json_agg(i) from won) as won,
           (select json_agg(json_build_object('u', user_id, 'xp', xp)) from p) as totals,
           (select json_agg(json_build_object('u', user_id, 'd', to_char(day, 'YYYY-MM-DD'), 'q', quest_id, 'n', count)) from q) as quests`.execute(trx);
}
