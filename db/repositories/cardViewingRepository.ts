import { sql, type Kysely, type Transaction } from 'kysely';
import type { AccountRole, Card, CardKind } from '../../domain/cardRules';
import type { CardViewing } from '../../domain/cardVisibility';
import type { JobReach } from '../../domain/jobReach';
import { DEFAULT_MAX_DISTANCE_KM } from '../../domain/preferences';
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
  /** Looking as a job of theirs: what decides whether it reaches the card (`jobReaches`). */
  readonly reach: JobReach | undefined;
}

/**
 * A card with what decides whether `viewerId` may see it and as whom, in one statement;
 * `asCardId` is a card of the viewer's they look as, `a`. Looking as a job, the statement
 * also reads where the job's deck searches from and how far (the job's place, its owner's
 * location and deck distance), and whether the card is matched with the job or liked it,
 * through the pair's unique indexes. Undefined when there is no such card.
 */
export async function findCardAsViewed(
  db: Db,
  viewerId: string,
  cardId: string,
  asCardId?: string,
): Promise<{ readonly card: Card; readonly viewing: ViewingFacts; readonly viewer: ViewerFacts } | undefined> {
  const viewer = sql`${viewerId}::uuid`;
  const owner = sql.ref('c.owner_id');
  const asCard = asCardId === undefined ? sql<boolean>`false` : sql<boolean>`a.id = ${asCardId}::uuid and a.owner_id = ${viewer}`;
  const asJobOnPerson = sql<boolean>`a.kind = 'job' and c.kind = 'person'`;
  const row = await db
    .selectFrom('cards as c')
    .leftJoin('users as u', 'u.id', 'c.owner_id')
    .leftJoin('users as v', (join) => join.on(sql<boolean>`v.id = ${viewer}`))
    .leftJoin('cards as a', (join) => join.on(asCard))
    .leftJoin('preferences as p', (join) => join.on(sql<boolean>`p.user_id = ${viewer} and a.kind = 'job'`))
    .selectAll('c')
    .select([
      blockedEitherWaySql(viewer, owner).as('blocked_either_way'),
      formerMatchSql(viewer, owner).as('former_match'),
      sql<boolean | null>`${hiddenAccountSql('u')}`.as('owner_hidden'),
      'v.role as viewer_role',
      'a.kind as as_kind',
      'a.active as as_active',
      'a.lat as as_lat',
      'a.lng as as_lng',
      'a.h3_cell as as_h3_cell',
      sql<number | null>`case when a.kind = 'job' then v.lat end`.as('viewer_lat'),
      sql<number | null>`case when a.kind = 'job' then v.lng end`.as('viewer_lng'),
      sql<string | null>`case when a.kind = 'job' then v.h3_cell end`.as('viewer_h3_cell'),
      'p.max_distance_km',
      sql<boolean>`case when ${asJobOnPerson} then exists(select 1 from matches m
         where m.card_a_id = least(a.id, c.id) and m.card_b_id = greatest(a.id, c.id) and m.status = 'active') else false end`.as('matched'),
      sql<boolean>`case when ${asJobOnPerson} then exists(select 1 from swipes s
         where s.from_card_id = c.id and s.to_card_id = a.id and s.kind in ('like', 'superlike')) else false end`.as('liked'),
    ])
    .where('c.id', '=', cardId)
    .executeTakeFirst();
  if (!row) return undefined;
  const reach: JobReach | undefined =
    row.as_kind === 'job'
      ? {
          job: { kind: 'job', lat: row.as_lat, lng: row.as_lng, h3Cell: row.as_h3_cell, active: row.as_active === true },
          ownerLocation: row.viewer_lat === null || row.viewer_lng === null || row.viewer_h3_cell === null ? undefined : { lat: row.viewer_lat, lng: row.viewer_lng, h3Cell: row.viewer_h3_cell },
          maxDistanceKm: row.max_distance_km ?? DEFAULT_MAX_DISTANCE_KM,
          matched: row.matched,
          liked: row.liked,
        }
      : undefined;
  // An owner not found counts as hidden: nobody is shown a card of nobody.
  return {
    card: cardFromRow(row),
    viewing: { blockedEitherWay: row.blocked_either_way, formerMatch: row.former_match, ownerHidden: row.owner_hidden !== false },
    viewer: { viewerRole: row.viewer_role ?? undefined, asKind: asCardId === undefined ? undefined : row.as_kind, reach },
  };
}
