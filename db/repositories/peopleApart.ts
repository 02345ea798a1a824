import { sql, type RawBuilder } from 'kysely';
import { blockEndsThreadSql } from './threadSides';

/*
 * Two people apart: to each other as people who do not exist (domain/cardVisibility.ts),
 * by a block either way or by a match between them that ended. Predicates for inside a
 * statement, for two user id expressions: one definition for a read of one pair and a
 * list of many.
 */

/** Whether either user blocked the other. */
export function blockedEitherWaySql(userX: RawBuilder<unknown>, userY: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists(select 1 from blocks bl
                              where (bl.blocker_id = ${userX} and bl.blocked_id = ${userY})
                                 or (bl.blocker_id = ${userY} and bl.blocked_id = ${userX}))`;
}

/**
 * The people `user` (a uuid expression) was on the other side of a match with
 * (as a block counts sides, `blockEndsThreadSql`: the two parties, a colleague and
 * the candidate) where every such match ended: an unmatch, a block or an erasure
 * parted them, and they see no more of each other than people blocked either way
 * (domain/cardVisibility.ts `formerMatch`). A subquery of user ids, planned once
 * per statement: it reads only the user's own memberships (`match_members_user_idx`).
 */
function formerMatchesOfSql(user: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`select fo.user_id from match_members fm
                       join match_members fo on fo.match_id = fm.match_id and fo.user_id <> fm.user_id
                       join matches fx on fx.id = fm.match_id
                      where fm.user_id = ${user} and ${blockEndsThreadSql('fm', 'fo')}
                      group by fo.user_id
                     having bool_and(fx.status <> 'active')`;
}

/** Whether `userX` and `userY` (uuid expressions) are former matches of each other, inside a statement. */
export function formerMatchSql(userX: RawBuilder<unknown>, userY: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`coalesce(${userY} in (${formerMatchesOfSql(userX)}), false)`;
}
