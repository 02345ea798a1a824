import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';
import { endMatchesWithin, type MatchesEnded } from './matchRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** True when either user blocked the other. */
export async function isBlockedEitherWay(db: Db, userX: string, userY: string): Promise<boolean> {
  const row = await db
    .selectFrom('blocks')
    .select(sql<number>`1`.as('one'))
    .where((eb) =>
      eb.or([
        eb.and([eb('blocker_id', '=', userX), eb('blocked_id', '=', userY)]),
        eb.and([eb('blocker_id', '=', userY), eb('blocked_id', '=', userX)]),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
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
