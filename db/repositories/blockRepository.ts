import { sql, type Kysely, type Transaction } from 'kysely';
import type { Block } from '../../domain/blockedPairs';
import type { Database } from '../types';
import { endMatchesWithin, type MatchesEnded } from './matchRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** Every block among these people (both of its two among them). */
export async function findBlocksAmong(db: Db, userIds: readonly string[]): Promise<Block[]> {
  if (userIds.length === 0) return [];
  const { rows } = await sql<{ blocker_id: string; blocked_id: string }>`
    select bl.blocker_id::text, bl.blocked_id::text from blocks bl
     where bl.blocker_id = any(${userIds}::uuid[]) and bl.blocked_id = any(${userIds}::uuid[])`.execute(db);
  return rows.map((row) => ({ blockerId: row.blocker_id, blockedId: row.blocked_id }));
}

/** Records that `blockerId` blocked `blockedId`; blocking twice changes nothing. */
export async function insertBlock(db: Db, blockerId: string, blockedId: string): Promise<void> {
  await db
    .insertInto('blocks')
    .values({ blocker_id: blockerId, blocked_id: blockedId })
    .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
    .execute();
}

/** A block and its consequence in one transaction: every active match between the two ends as blocked. */
export function blockUser(db: Kysely<Database>, blockerId: string, blockedId: string, at: Date): Promise<MatchesEnded> {
  return db.transaction().execute(async (tx) => {
    await insertBlock(tx, blockerId, blockedId);
    return endMatchesWithin(tx, { scope: { between: [blockerId, blockedId] }, status: 'blocked', at });
  });
}
