import { sql, type Kysely, type Transaction } from 'kysely';
import { keptOnceByItsRecord, questsAdvancedBy, settleProgress, utcDay, XP_RULES, type ProgressAction, type QuestDefinition } from '../../domain/progress';
import { UserEventType, type NewUserEvent } from '../../domain/userEvents';
import { UNPREPARED } from '../preparingPool';
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

type Settling = { award: ProgressAward; nowMs: number; day: string; xp: number; quests: readonly QuestDefinition[]; i: number };

/**
 * Counts many awards (a node's flush) in one transaction: their ledger rows,
 * XP and quest counts in one statement, then any quest bonus and the
 * `quest.completed` / `level.up` events. The outcome is as if each award had
 * been counted alone, one after another in the order given (`recordProgress`):
 * a key counted before, or earlier in the flush, earns nothing. Rows are
 * locked in user order, progress before events. The one exception: a quest
 * bonus of a user without XP in the flush locks their XP row only then, so two
 * nodes' flushes may meet there in a cycle; the loser is counted award by
 * award (`services/progress.ts`), which no cycle can hold.
 *
 * What changes nothing writes nothing: an action kept once by its own record
 * (`keptOnceByItsRecord`: a swipe) leaves no ledger row, awards worth no XP
 * leave the XP total alone, and one worth no XP whose quests are all complete
 * for the day counts for nothing.
 */
export async function recordProgressBatch(db: Kysely<Database>, items: readonly TimedAward[]): Promise<StoredUserEvent[][]> {
  const counted = items.map((item, i): Settling => {
    const day = utcDay(item.nowMs);
    return { ...item, day, xp: XP_RULES[item.award.action], quests: questsAdvancedBy(item.award.action, day), i };
  });
  // An action worth nothing today leaves no trace.
  const worth = counted.filter((c) => c.xp !== 0 || c.quests.length > 0);
  if (worth.length === 0) return items.map(() => []);
  return db.transaction().execute(async (trx) => {
    const row = (await countAwards(trx, worth)).rows[0]!;
    const won = new Set(row.won ?? []);
    const totals = new Map((row.totals ?? []).map((t) => [t.u, Number(t.xp)]));
    const questCounts = new Map((row.quests ?? []).map((q) => [`${q.u}|${q.d}|${q.q}`, Number(q.n)]));
    const byUser = groupBy(worth.filter((c) => won.has(c.i)), (c) => c.award.userId);
    const owed: Array<{ item: number; event: NewUserEvent }> = [];
    const bonuses: Array<{ userId: string; bonus: number }> = [];
    // A user with XP in the flush has their total (locked) before it. One without is settled from 0, which
    // finds the quests they completed; only those with a bonus need their total, which the bonus's upsert answers.
    const untotalled: Array<[string, readonly Settling[]]> = [];
    for (const [userId, awards] of byUser) {
      const total = totals.get(userId);
      const settled = settleUser(userId, awards, total === undefined ? 0 : total - awards.reduce((sum, c) => sum + c.xp, 0), questCounts);
      if (settled.bonus > 0) bonuses.push({ userId, bonus: settled.bonus });
      if (total !== undefined) owed.push(...settled.owed);
      else if (settled.bonus > 0) untotalled.push([userId, awards]);
    }
    if (bonuses.length > 0) {
      const added = await sql<{ user_id: string; xp: string }>`
        insert into user_progress (user_id, xp)
        select * from unnest(${bonuses.map((b) => b.userId)}::uuid[], ${bonuses.map((b) => b.bonus)}::int[]) as b(user_id, bonus) order by user_id
        on conflict (user_id) do update set xp = user_progress.xp + excluded.xp, updated_at = now()
        returning user_id::text, xp`.execute(trx);
      const after = new Map(added.rows.map((r) => [r.user_id, Number(r.xp)]));
      const bonusOf = new Map(bonuses.map((b) => [b.userId, b.bonus]));
      for (const [userId, awards] of untotalled) {
        owed.push(...settleUser(userId, awards, after.get(userId)! - bonusOf.get(userId)!, questCounts).owed);
      }
    }
    const stored = await appendEventsOfUsers(trx, owed.map((o) => o.event));
    const events = items.map((): StoredUserEvent[] => []);
    owed.forEach((o, k) => {
      if (stored[k]) events[o.item]!.push(stored[k]);
    });
    return events;
  });
}

/**
 * A user's awards of the flush settled in order, from the XP before the flush's and each
 * quest's count after each award: the quest bonus they add and the events they owe.
 */
function settleUser(userId: string, awards: readonly Settling[], xpBefore: number, questCounts: ReadonlyMap<string, number>) {
  const owed: Array<{ item: number; event: NewUserEvent }> = [];
  let bonus = 0;
  awards.forEach((c, k) => {
    const later = awards.slice(k + 1).filter((l) => l.day === c.day);
    const countOf = (quest: QuestDefinition) =>
      (questCounts.get(`${userId}|${c.day}|${quest.id}`) ?? 0) - later.filter((l) => l.quests.some((q) => q.id === quest.id)).length;
    const outcome = settleProgress({ xpBefore, xp: c.xp, quests: c.quests.map((quest) => ({ quest, count: countOf(quest) })) });
    bonus += outcome.xpGained - c.xp;
    xpBefore = outcome.xpAfter;
    for (const quest of outcome.completed) {
      owed.push({ item: c.i, event: { userId, type: UserEventType.QUEST_COMPLETED, data: { questId: quest.id, title: quest.title, day: c.day, xp: quest.xp, totalXp: outcome.xpAfter } } });
    }
    if (outcome.levelUp) {
      owed.push({ item: c.i, event: { userId, type: UserEventType.LEVEL_UP, data: { level: outcome.levelUp.to, previousLevel: outcome.levelUp.from, xp: outcome.xpAfter } } });
    }
  });
  return { owed, bonus };
}

/**
 * The ledger rows, XP and quest counts of the awards, in one statement: which counted, and the totals after.
 * Planned afresh each time (`UNPREPARED`): its lookups of ledger keys and quest counts are index scans on tables
 * of any size only when the planner knows how many awards there are and how big the tables are now; a
 * generic plan made while they were small scanned a whole table per award (loadtest/README.md).
 */
function countAwards(trx: Transaction<Database>, awards: readonly Settling[]) {
  const advances = awards.flatMap((c) => c.quests.map((quest) => ({ i: c.i, questId: quest.id, target: quest.target })));
  return sql<Counted>`${sql.raw(UNPREPARED)}
    with v as (
      select * from unnest(${awards.map((c) => c.i)}::int[], ${awards.map((c) => c.award.userId)}::uuid[], ${awards.map((c) => c.award.key)}::text[],
                           ${awards.map((c) => c.award.action)}::text[], ${awards.map((c) => c.xp)}::int[], ${awards.map((c) => c.day)}::date[],
                           ${awards.map((c) => !keptOnceByItsRecord(c.award.action))}::boolean[])
        as v(i, user_id, action_key, action, xp, day, ledgered)
    ), a as (
      select * from unnest(${advances.map((a) => a.i)}::int[], ${advances.map((a) => a.questId)}::text[], ${advances.map((a) => a.target)}::int[]) as a(i, quest_id, target)
    ), l as (
      insert into progress_ledger (user_id, action_key, action, xp, day)
      select user_id, action_key, action, xp, day from v where ledgered order by user_id, action_key
      on conflict (user_id, action_key) do nothing
      returning user_id, action_key
    ), o as (
      -- Awards worth no XP that advance a quest still open.
      select distinct a.i from a join v on v.i = a.i
       where v.xp = 0
         and coalesce((select qp.count from quest_progress qp where qp.user_id = v.user_id and qp.day = v.day and qp.quest_id = a.quest_id), 0) < a.target
    ), won as (
      -- A key twice in the flush: its first award counts. One kept by its record counts unless its key
      -- was written (a pass taken back); one worth no XP, while a quest it advances is open.
      select distinct on (v.user_id, v.action_key) v.* from v
        left join l on l.user_id = v.user_id and l.action_key = v.action_key
        left join progress_ledger k on not v.ledgered and k.user_id = v.user_id and k.action_key = v.action_key
        left join o on o.i = v.i
       where (case when v.ledgered then l.user_id is not null else k.user_id is null end)
         and (v.xp <> 0 or o.i is not null)
       order by v.user_id, v.action_key, v.i
    ), p as (
      insert into user_progress (user_id, xp)
      select user_id, sum(xp) from won group by user_id having sum(xp) <> 0 order by user_id
      on conflict (user_id) do update set xp = user_progress.xp + excluded.xp, updated_at = now()
      returning user_id, xp
    ), q as (
      insert into quest_progress (user_id, day, quest_id, count)
      select won.user_id, won.day, a.quest_id, count(*)
        from won join a on a.i = won.i
       group by won.user_id, won.day, a.quest_id
       order by 1, 2, 3
      on conflict (user_id, day, quest_id) do update set count = quest_progress.count + excluded.count
      returning user_id, day, quest_id, count
    )
    select (select json_agg(i) from won) as won,
           (select json_agg(json_build_object('u', user_id, 'xp', xp)) from p) as totals,
           (select json_agg(json_build_object('u', user_id, 'd', to_char(day, 'YYYY-MM-DD'), 'q', quest_id, 'n', count)) from q) as quests`.execute(trx);
}
