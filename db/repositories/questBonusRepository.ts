import { sql, type Transaction } from 'kysely';
import { settleProgress, type QuestDefinition } from '../../domain/progress';
import { progressEvents, type NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import { groupBy } from './groupBy';

/** A daily quest whose count reached its target in the statement that counted it. */
export interface QuestReached {
  readonly userId: string;
  readonly day: string;
  readonly quest: QuestDefinition;
}

/**
 * Adds the XP of quests just completed to their users' totals (one statement,
 * users locked in id order) and answers the events each completion owes, in
 * the order given: its `quest.completed`, and a `level.up` when the bonus
 * crosses into a higher level, settled from the total stored before it.
 */
export async function addQuestBonuses(trx: Transaction<Database>, reached: readonly QuestReached[]): Promise<NewUserEvent[][]> {
  if (reached.length === 0) return [];
  const byUser = groupBy(reached.map((r, k) => ({ ...r, k })), (r) => r.userId);
  const bonuses = [...byUser].map(([userId, done]) => ({ userId, bonus: done.reduce((sum, r) => sum + r.quest.xp, 0) }));
  const added = await sql<{ user_id: string; xp: string }>`
    insert into user_progress (user_id, xp)
    select * from unnest(${bonuses.map((b) => b.userId)}::uuid[], ${bonuses.map((b) => b.bonus)}::int[]) as b(user_id, bonus) order by user_id
    on conflict (user_id) do update set xp = user_progress.xp + excluded.xp, updated_at = now()
    returning user_id::text, xp`.execute(trx);
  const after = new Map(added.rows.map((row) => [row.user_id, Number(row.xp)]));
  const events = reached.map((): NewUserEvent[] => []);
  for (const { userId, bonus } of bonuses) {
    let xpBefore = after.get(userId)! - bonus;
    for (const r of byUser.get(userId)!) {
      const outcome = settleProgress({ xpBefore, xp: 0, quests: [{ quest: r.quest, count: r.quest.target }] });
      events[r.k] = progressEvents(userId, r.day, outcome);
      xpBefore = outcome.xpAfter;
    }
  }
  return events;
}
