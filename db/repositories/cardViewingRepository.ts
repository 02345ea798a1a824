import { sql, type Kysely, type Transaction } from 'kysely';
import type { Card } from '../../domain/cardRules';
import type { CardViewing } from '../../domain/cardVisibility';
import type { Database } from '../types';
import { cardFromRow } from './cardRepository';
import { blockedEitherWaySql, formerMatchSql } from './peopleApart';
import { hiddenAccountSql } from './userRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** What decides, beside the card, whether one person may see another's card (domain/cardVisibility.ts). */
export type ViewingFacts = Pick<CardViewing, 'blockedEitherWay' | 'formerMatch' | 'ownerHidden'>;

/** A card with what decides whether `viewerId` may see it, in one statement; undefined when there is no such card. */
export async function findCardAsViewed(db: Db, viewerId: string, cardId: string): Promise<{ readonly card: Card; readonly viewing: ViewingFacts } | undefined> {
  const viewer = sql`${viewerId}::uuid`;
  const owner = sql.ref('c.owner_id');
  const row = await db
    .selectFrom('cards as c')
    .leftJoin('users as u', 'u.id', 'c.owner_id')
    .selectAll('c')
    .select([
      blockedEitherWaySql(viewer, owner).as('blocked_either_way'),
      formerMatchSql(viewer, owner).as('former_match'),
      sql<boolean | null>`${hiddenAccountSql('u')}`.as('owner_hidden'),
    ])
    .where('c.id', '=', cardId)
    .executeTakeFirst();
  if (!row) return undefined;
  // An owner not found counts as hidden: nobody is shown a card of nobody.
  return { card: cardFromRow(row), viewing: { blockedEitherWay: row.blocked_either_way, formerMatch: row.former_match, ownerHidden: row.owner_hidden !== false } };
}
