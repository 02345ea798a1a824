import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Card, CardKind } from '../../domain/cardRules';
import type { Database } from '../types';
import { UNPREPARED } from '../preparingPool';
import { cardFromRow } from './cardRepository';
import { formerMatchSql } from './peopleApart';

/** Which cards a deck may draw from: the cells to read and who is asking. */
export interface CandidateQuery {
  readonly searcherCardId: string;
  readonly searcherId: string;
  /** The searching card's kind: a person's passes hold for the account, a job's for the job alone. */
  readonly searcherKind: CardKind;
  readonly kind: CardKind;
  /** Cells of the discovery index (`fine`) or of the coarse index. */
  readonly level: 'fine' | 'coarse';
  readonly cells: readonly string[];
  readonly limit: number;
}

/**
 * Active cards of one kind in the given cells, read through the cell indexes,
 * leaving out everything a deck never shows: the searcher's own cards, what they
 * already swiped (`alreadySwipedSql`), cards their card matched with, owners blocked either way, owners
 * whose match with the searcher ended (every card of theirs, as after a block),
 * and banned or shadow-banned owners.
 */
export async function listDeckCandidates(db: Kysely<Database>, query: CandidateQuery): Promise<Card[]> {
  if (query.cells.length === 0 || query.limit <= 0) return [];
  const cellColumn = query.level === 'fine' ? sql.ref('c.h3_cell') : sql.ref('c.h3_coarse');
  const rows = await db
    .selectFrom('cards as c')
    .selectAll('c')
    .where(sql<boolean>`${cellColumn} = any(${[...query.cells]}::text[])`)
    .where('c.kind', '=', query.kind)
    .where('c.active', '=', true)
    .where('c.owner_id', '<>', query.searcherId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('users as u')
            .select(sql`1`.as('one'))
            .whereRef('u.id', '=', 'c.owner_id')
            .where(sql<boolean>`(u.status <> 'active' or u.shadow_banned)`),
        ),
      ),
    )
    .where(sql<boolean>`not ${alreadySwipedSql(query)}`)
    .$if(query.searcherKind === 'job', (q) => q.where(looksForWorkSql))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('blocks as b')
            .select(sql`1`.as('one'))
            .where((b) =>
              b.or([
                b.and([b('b.blocker_id', '=', query.searcherId), b('b.blocked_id', '=', b.ref('c.owner_id'))]),
                b.and([b('b.blocker_id', '=', b.ref('c.owner_id')), b('b.blocked_id', '=', query.searcherId)]),
              ]),
            ),
        ),
      ),
    )
    .where(sql<boolean>`not ${formerMatchSql(sql`${query.searcherId}::uuid`, sql.ref('c.owner_id'))}`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('matches as m')
            .select(sql`1`.as('one'))
            .where(sql<boolean>`m.card_a_id = least(${query.searcherCardId}::uuid, c.id) and m.card_b_id = greatest(${query.searcherCardId}::uuid, c.id)`),
        ),
      ),
    )
    .limit(query.limit)
    .modifyFront(sql.raw(UNPREPARED))
    .execute();
  return rows.map(cardFromRow);
}

/**
 * A person card `c` that looks for work (domain/cardRules.ts `looksForWork`: any hiring field given),
 * the only people in a job's deck: read so in the statement, so that a city of dating profiles
 * does not spend a job's pool of candidates on people its deck leaves out.
 */
const looksForWorkSql = sql<boolean>`(c.experience_years is not null or c.salary_min is not null or c.salary_max is not null
  or c.work_authorizations <> '[]'::jsonb or c.remote or c.culture <> '{}'::jsonb)`;

/**
 * Whether the searcher swiped the candidate `c` already. A job card is a search of
 * its own: it leaves out what it swiped. A person's swipes hold for the account,
 * so a new person card does not bring back what an earlier one passed: a person
 * any of the searcher's person cards swiped on any person card of, and a job any
 * card of theirs swiped. Read through the searcher's swipes (swipes by swiper).
 */
function alreadySwipedSql(query: CandidateQuery): RawBuilder<boolean> {
  if (query.searcherKind === 'job') {
    return sql<boolean>`exists (select 1 from swipes s where s.from_card_id = ${query.searcherCardId}::uuid and s.to_card_id = c.id)`;
  }
  if (query.kind === 'job') {
    return sql<boolean>`exists (select 1 from swipes s where s.swiper_id = ${query.searcherId}::uuid and s.to_card_id = c.id)`;
  }
  return sql<boolean>`exists (
    select 1 from swipes s join cards f on f.id = s.from_card_id join cards t on t.id = s.to_card_id
     where s.swiper_id = ${query.searcherId}::uuid and f.kind = 'person' and t.kind = 'person' and t.owner_id = c.owner_id)`;
}
