import { sql, type Kysely, type Transaction } from 'kysely';
import type { AccountRole, Card, CardKind } from '../../domain/cardRules';
import type { CardViewing } from '../../domain/cardVisibility';
import type { Database } from '../types';
import { cardFromRow } from './cardRepository';
import { blockedEitherWaySql, formerMatchSql } from './peopleApart';
import { hiddenAccountSql } from './userRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** What decides, beside the card, whether one person may see another's card (domain/cardVisibility.ts). */
export type ViewingFacts = Pick<CardViewing, 'blockedEitherWay' | 'formerMatch' | 'ownerHidden'>;

/** Who is looking (domain/cardVisibility.ts `cardViewerOf`): their account's role, and the kind of the card of theirs they look as. */
export interface ViewerFacts {
  readonly viewerRole: AccountRole | undefined;
  /** Undefined when they named no card, null when the card they named is not theirs. */
  readonly asKind: CardKind | null | undefined;
}

/**
 * A card with what decides whether `viewerId` may see it and as whom, in one statement;
 * `asCardId` is a card of the viewer's they look as. Undefined when there is no such card.
 */
export async function findCardAsViewed(
  db: Db,
  viewerId: string,
  cardId: string,
  asCardId?: string,
): Promise<{ readonly card: Card; readonly viewing: ViewingFacts; readonly viewer: ViewerFacts } | undefined> {
  const viewer = sql`${viewerId}::uuid`;
  const owner = sql.ref('c.owner_id');
  const asKind = asCardId === undefined ? sql<null>`null::text` : sql<CardKind | null>`(select a.kind from cards a where a.id = ${asCardId}::uuid and a.owner_id = ${viewer})`;
  const row = await db
    .selectFrom('cards as c')
    .leftJoin('users as u', 'u.id', 'c.owner_id')
    .selectAll('c')
    .select([
      blockedEitherWaySql(viewer, owner).as('blocked_either_way'),
      formerMatchSql(viewer, owner).as('former_match'),
      sql<boolean | null>`${hiddenAccountSql('u')}`.as('owner_hidden'),
      sql<AccountRole | null>`(select v.role from users v where v.id = ${viewer})`.as('viewer_role'),
      asKind.as('as_kind'),
    ])
    .where('c.id', '=', cardId)
    .executeTakeFirst();
  if (!row) return undefined;
  // An owner not found counts as hidden: nobody is shown a card of nobody.
  return {
    card: cardFromRow(row),
    viewing: { blockedEitherWay: row.blocked_either_way, formerMatch: row.former_match, ownerHidden: row.owner_hidden !== false },
    viewer: { viewerRole: row.viewer_role ?? undefined, asKind: asCardId === undefined ? undefined : row.as_kind },
  };
}
