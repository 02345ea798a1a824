import { sql, type Kysely, type Transaction } from 'kysely';
import type { MatchStatus } from '../../domain/chatRules';
import { matchEndedEvents } from '../../domain/userEvents';
import type { Database } from '../types';
import { DOMAIN_EVENTS_ON } from './domainOutboxRepository';
import type { StoredUserEvent } from './eventRepository';
import { matchBlockersSql } from './threadMemberRepository';
import { blockEndsThreadSql } from './threadSides';
import { groupBy } from './groupBy';
import { appendEventsOfUsers } from './userEventBatchRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** A match's state: its status, last message number, and for a blocked one who blocked (`matchBlockersSql`). */
export interface MatchState {
  readonly id: string;
  readonly status: MatchStatus;
  readonly last_seq: string;
  readonly blockerIds: string[];
}

/** The state of each match asked that exists; one statement for any number. */
export async function findMatchStates(db: Db, matchIds: readonly string[]): Promise<MatchState[]> {
  if (matchIds.length === 0) return [];
  // Only a blocked match is asked who blocked: a thread's start reads active ones.
  const { rows } = await sql<MatchState>`
    select m.id, m.status, m.last_seq,
           case when m.status = 'blocked' then ${matchBlockersSql(sql.ref('m.id'))} else '{}'::text[] end as "blockerIds"
      from matches m where m.id = any(${matchIds}::uuid[])`.execute(db);
  return rows;
}

/** Every match the user is a member of, whatever its status. */
export async function listMatchIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('match_members').select('match_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.match_id);
}

/** Everyone in a match's thread. */
export async function listMatchMemberIds(db: Db, matchId: string): Promise<string[]> {
  const rows = await db.selectFrom('match_members').select('user_id').where('match_id', '=', matchId).orderBy('user_id').execute();
  return rows.map((r) => r.user_id);
}

/**
 * The members of the given matches who are on opposite sides of one (as a block
 * counts sides, `blockEndsThreadSql`), each pair once: whom a match's end parts.
 */
export async function listOpposedPairs(db: Db, matchIds: readonly string[]): Promise<Array<readonly [string, string]>> {
  if (matchIds.length === 0) return [];
  const { rows } = await sql<{ x: string; y: string }>`
    select distinct a.user_id as x, b.user_id as y
      from match_members a
      join match_members b on b.match_id = a.match_id and b.user_id > a.user_id
     where a.match_id = any(${matchIds}::uuid[]) and ${blockEndsThreadSql('a', 'b')}`.execute(db);
  return rows.map((row) => [row.x, row.y] as const);
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

export interface EndedMatch {
  readonly matchId: string;
  readonly memberIds: string[];
}

/**
 * Ends active matches, by unmatch (one match the user is a party of) or by block
 * (every match where the two are on opposite sides: both parties, or a colleague
 * and the candidate), and appends `match.ended` for every member, in one
 * transaction, with each match's `match.ended` domain event. The status change
 * takes each match row's lock, so a message batch
 * racing it either commits before it or sees the match ended.
 */
export function endMatches(db: Kysely<Database>, input: EndMatchesInput): Promise<MatchesEnded> {
  return db.transaction().execute((tx) => endMatchesWithin(tx, input));
}

export interface EndMatchesInput {
  readonly scope: { readonly matchId: string; readonly memberId: string } | { readonly between: readonly [string, string] };
  readonly status: 'unmatched' | 'blocked';
  readonly at: Date;
}

export interface MatchesEnded {
  readonly ended: EndedMatch[];
  readonly events: StoredUserEvent[];
}

/** `endMatches` inside a transaction the caller holds (a block ends matches with its insert). */
export async function endMatchesWithin(tx: Transaction<Database>, input: EndMatchesInput): Promise<MatchesEnded> {
  const scope = input.scope;
  const [x, y] = 'between' in scope ? scope.between : [scope.memberId, scope.memberId];
  const onlyMatch = 'between' in scope ? sql.raw('') : sql`and a.match_id = ${scope.matchId}`;
  const result = await sql<{ id: string }>`
  with u as (
    update matches m set status = ${input.status}, ended_at = ${input.at}
     where m.status = 'active'
       and m.id in (select a.match_id from match_members a
                      join match_members b on b.match_id = a.match_id
                     where a.user_id = ${x} and b.user_id = ${y} and ${blockEndsThreadSql('a', 'b')} ${onlyMatch})
    returning m.id
  ), d as (
    insert into domain_event_outbox (type, data)
    select 'match.ended', jsonb_build_object('matchId', u.id, 'status', ${input.status}::text,
           'memberIds', (select coalesce(jsonb_agg(x.user_id order by x.user_id), '[]'::jsonb) from match_members x where x.match_id = u.id))
      from u where ${DOMAIN_EVENTS_ON}
  )
  select id from u`.execute(tx);
  const ids = result.rows.map((r) => r.id);
  if (ids.length === 0) return { ended: [], events: [] };
  // An array, not an `in` list: one statement for any number of matches (db/preparingPool.ts prepares a bounded number).
  const members = await tx.selectFrom('match_members').select(['match_id', 'user_id']).where(sql<boolean>`match_id = any(${ids}::uuid[])`).orderBy('user_id').execute();
  const membersOf = groupBy(members, (m) => m.match_id);
  const ended = ids.map((matchId) => ({ matchId, memberIds: (membersOf.get(matchId) ?? []).map((m) => m.user_id) }));
  // Every member's events in one statement (an erasure ends a match per person matched),
  // handed back member by member in id order.
  const byUser = groupBy(ended.flatMap((match) => matchEndedEvents(match.matchId, match.memberIds)), (event) => event.userId);
  const owed = [...byUser.keys()].sort().flatMap((userId) => byUser.get(userId)!);
  const events = (await appendEventsOfUsers(tx, owed)).filter((event): event is StoredUserEvent => event !== undefined);
  return { ended, events };
}
