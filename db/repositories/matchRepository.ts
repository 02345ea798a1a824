import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

/** The other members of the user's active matches: who hears of their presence. */
export async function listMatchCounterparts(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('match_members as mine')
    .innerJoin('matches', 'matches.id', 'mine.match_id')
    .innerJoin('match_members as other', 'other.match_id', 'mine.match_id')
    .select('other.user_id')
    .distinct()
    .where('mine.user_id', '=', userId)
    .where('other.user_id', '<>', userId)
    .where('matches.status', '=', 'active')
    .execute();
  return rows.map((r) => r.user_id);
}

/** Inserts earlier matches with their members; for seeding load tests. */
export async function insertMatchesBulk(
  db: Db,
  matches: ReadonlyArray<{ id: string; cardA: { id: string; ownerId: string }; cardB: { id: string; ownerId: string } }>,
): Promise<void> {
  if (matches.length === 0) return;
  const rows = matches.map((m) => {
    const [a, b] = m.cardA.id < m.cardB.id ? [m.cardA, m.cardB] : [m.cardB, m.cardA];
    return { id: m.id, card_a_id: a.id, card_b_id: b.id, user_a_id: a.ownerId, user_b_id: b.ownerId };
  });
  await db.insertInto('matches').values(rows).execute();
  await db
    .insertInto('match_members')
    .values(rows.flatMap((r) => [{ match_id: r.id, user_id: r.user_a_id }, { match_id: r.id, user_id: r.user_b_id }]))
    .execute();
}
