import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Refusal } from '../../domain/chatRules';
import { decideColleagueAddition, decideColleagueRemoval, type ThreadMember, type ThreadRole } from '../../domain/threadColleagues';
import { threadMemberEvents } from '../../domain/userEvents';
import type { Database } from '../types';
import { appendUserEvents, type StoredUserEvent } from './eventRepository';
import { blockedEitherWaySql, formerMatchSql } from './peopleApart';
import { blockEndsThreadSql } from './threadSides';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The members of the match `matchId` (an id expression) who blocked a member on
 * its other side, as `text[]`: whoever made the block that ended it, the only
 * members told it was one (domain/blockDisclosure.ts).
 */
export function matchBlockersSql(matchId: RawBuilder<unknown>): RawBuilder<string[]> {
  return sql<string[]>`array(select distinct bm.user_id::text from match_members bm
                               join match_members bo on bo.match_id = bm.match_id and bo.user_id <> bm.user_id
                               join blocks bk on bk.blocker_id = bm.user_id and bk.blocked_id = bo.user_id
                              where bm.match_id = ${matchId} and ${blockEndsThreadSql('bm', 'bo')})`;
}

export type MembershipChange =
  | {
      readonly kind: 'changed';
      /** The thread's last sequence when the change committed: an added colleague's read marker, and where their notices start. */
      readonly atSeq: number;
      readonly members: ThreadMember[];
      readonly events: StoredUserEvent[];
      /** The match was active: its thread's actor and members are told; an ended thread's change tells nobody. */
      readonly threadOpen: boolean;
    }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

interface LockedMatch {
  readonly status: 'active' | 'unmatched' | 'blocked';
  readonly lastSeq: number;
  readonly jobOwnerId: string | undefined;
  readonly members: ReadonlyArray<{ readonly userId: string; readonly role: ThreadRole }>;
}

/**
 * The match row, locked: a message batch of its thread (which advances `last_seq`
 * under the same lock) commits wholly before or after a membership change.
 */
async function lockMatch(tx: Transaction<Database>, matchId: string): Promise<LockedMatch | undefined> {
  const match = await tx.selectFrom('matches').select(['status', 'last_seq', 'card_a_id', 'card_b_id']).where('id', '=', matchId).forUpdate().executeTakeFirst();
  if (!match) return undefined;
  const job = await tx.selectFrom('cards').select('owner_id').where('id', 'in', [match.card_a_id, match.card_b_id]).where('kind', '=', 'job').executeTakeFirst();
  const members = await tx.selectFrom('match_members').select(['user_id', 'role']).where('match_id', '=', matchId).execute();
  return { status: match.status, lastSeq: Number(match.last_seq), jobOwnerId: job?.owner_id, members: members.map((m) => ({ userId: m.user_id, role: m.role })) };
}

const sortedMembers = (members: LockedMatch['members']): ThreadMember[] =>
  [...members].sort((x, y) => (x.role === y.role ? (x.userId < y.userId ? -1 : 1) : x.role === 'party' ? -1 : 1)).map((m) => ({ userId: m.userId, role: m.role }));

/** Appends the change's events, user by user in id order (as message batches do, so the two never deadlock). */
async function appendChangeEvents(tx: Transaction<Database>, events: ReturnType<typeof threadMemberEvents>): Promise<StoredUserEvent[]> {
  const stored: StoredUserEvent[] = [];
  for (const event of events) stored.push(...(await appendUserEvents(tx, event.userId, [event])));
  return stored;
}

/**
 * The job's owner adds a recruiter of their company to a hiring thread, in one
 * transaction under the match's lock: the colleague's membership, a read marker
 * at the thread's last sequence (history is theirs to read, later messages count
 * as unread), and `thread.member.added` to everyone in it. Refused changes nothing.
 */
export function addColleague(db: Kysely<Database>, input: { readonly matchId: string; readonly callerId: string; readonly colleagueId: string; readonly at: Date }): Promise<MembershipChange> {
  return db.transaction().execute(async (tx): Promise<MembershipChange> => {
    const match = await lockMatch(tx, input.matchId);
    const callerRole = match?.members.find((m) => m.userId === input.callerId)?.role;
    const companies = await additionCompanies(tx, input);
    const colleague = await tx.selectFrom('users').select(['role', 'status']).where('id', '=', input.colleagueId).where('deleted_at', 'is', null).executeTakeFirst();
    const parties = match?.members.filter((m) => m.role === 'party').map((m) => m.userId) ?? [];
    const apart = colleague !== undefined && parties.length > 0 && (await apartFromAny(tx, input.colleagueId, parties));
    const refusal = decideColleagueAddition({
      status: match?.status,
      callerRole,
      callerOwnsJob: match?.jobOwnerId === input.callerId,
      jobCompanyId: companies.job,
      callerCompanyId: companies.caller,
      colleague: colleague && {
        role: colleague.role,
        banned: colleague.status === 'banned',
        companyId: companies.colleague,
        inThread: match?.members.some((m) => m.userId === input.colleagueId) ?? false,
        apartFromParty: apart,
      },
      colleagueCount: match?.members.filter((m) => m.role === 'colleague').length ?? 0,
    });
    if (refusal || !match) return { kind: 'refused', refusal: refusal ?? { code: 'MATCH_NOT_FOUND', message: 'no such match' } };
    await tx.insertInto('match_members').values({ match_id: input.matchId, user_id: input.colleagueId, role: 'colleague', added_by: input.callerId, added_at: input.at }).execute();
    await tx
      .insertInto('read_markers')
      .values({ match_id: input.matchId, user_id: input.colleagueId, last_read_seq: String(match.lastSeq), updated_at: input.at })
      .onConflict((oc) => oc.columns(['match_id', 'user_id']).doUpdateSet({ last_read_seq: String(match.lastSeq), updated_at: input.at }))
      .execute();
    const members = sortedMembers([...match.members, { userId: input.colleagueId, role: 'colleague' }]);
    const events = await appendChangeEvents(tx, threadMemberEvents('thread.member.added', { matchId: input.matchId, userId: input.colleagueId, byUserId: input.callerId }, members));
    return { kind: 'changed', atSeq: match.lastSeq, members, events, threadOpen: true };
  });
}

/**
 * The companies an addition is decided on: the one the match's job card was posted for, and the
 * caller's and the colleague's now. A membership counts only for a recruiter account (one demoted
 * before memberships went with the role may still have one). The memberships are read for share:
 * taking either of the two out of the company (or out of recruiting) waits until this addition
 * commits, so its leaving the company's threads then finds the place; one that committed first
 * leaves no membership to read.
 */
async function additionCompanies(
  tx: Transaction<Database>,
  input: { readonly matchId: string; readonly callerId: string; readonly colleagueId: string },
): Promise<{ readonly job: string | undefined; readonly caller: string | undefined; readonly colleague: string | undefined }> {
  const { rows } = await sql<{ company_id: string | null }>`
    select c.company_id from matches m join cards c on c.id in (m.card_a_id, m.card_b_id) and c.kind = 'job' where m.id = ${input.matchId}`.execute(tx);
  const members = await tx
    .selectFrom('company_members as cm')
    .innerJoin('users as u', 'u.id', 'cm.user_id')
    .select(['cm.user_id', 'cm.company_id'])
    .where('cm.user_id', 'in', [input.callerId, input.colleagueId])
    .where('u.role', '=', 'recruiter')
    .forShare('cm')
    .execute();
  const companyOf = (userId: string) => members.find((m) => m.user_id === userId)?.company_id;
  return { job: rows[0]?.company_id ?? undefined, caller: companyOf(input.callerId), colleague: companyOf(input.colleagueId) };
}

/** Whether `userId` and any of `others` are apart: a block either way, or former matches (peopleApart.ts). */
async function apartFromAny(tx: Transaction<Database>, userId: string, others: readonly string[]): Promise<boolean> {
  const user = sql`${userId}::uuid`;
  const { rows } = await sql<{ apart: boolean }>`
    select exists(select 1 from unnest(${others}::uuid[]) as p(id)
                   where ${blockedEitherWaySql(user, sql.ref('p.id'))} or ${formerMatchSql(user, sql.ref('p.id'))}) as apart`.execute(tx);
  return rows[0]?.apart === true;
}

/**
 * A colleague leaves a thread, or its job's owner takes them out, in one
 * transaction under the match's lock: their membership and read marker go,
 * their messages stay (their notices of the others' lose their preview), and
 * `thread.member.removed` goes to everyone who was in it. A colleague who left
 * the company (`companyExit`) leaves an ended thread too, telling nobody: it is
 * closed for everyone already.
 */
export function removeColleague(
  db: Kysely<Database>,
  input: { readonly matchId: string; readonly callerId: string; readonly colleagueId: string; readonly companyExit?: boolean },
  /** Runs once the change is made, before it commits (still under the match's lock), when the thread is open. */
  beforeCommit: () => Promise<void> = async () => {},
): Promise<MembershipChange> {
  return db.transaction().execute(async (tx): Promise<MembershipChange> => {
    const match = await lockMatch(tx, input.matchId);
    const refusal = decideColleagueRemoval({
      status: match?.status,
      callerId: input.callerId,
      callerRole: match?.members.find((m) => m.userId === input.callerId)?.role,
      callerOwnsJob: match?.jobOwnerId === input.callerId,
      targetId: input.colleagueId,
      targetRole: match?.members.find((m) => m.userId === input.colleagueId)?.role,
      companyExit: input.companyExit ?? false,
    });
    if (refusal || !match) return { kind: 'refused', refusal: refusal ?? { code: 'MATCH_NOT_FOUND', message: 'no such match' } };
    await tx.deleteFrom('match_members').where('match_id', '=', input.matchId).where('user_id', '=', input.colleagueId).execute();
    await recordDepartures(tx, input.colleagueId, [input.matchId]);
    await tx.deleteFrom('read_markers').where('match_id', '=', input.matchId).where('user_id', '=', input.colleagueId).execute();
    // Out of the thread, out of its words: their notices of its messages keep no preview (so an
    // erasure of a sender, which looks for previews in the members' streams, need not look in theirs).
    await sql`
      update stored_events set payload = payload || '{"preview": ""}'::jsonb
       where user_id = ${input.colleagueId} and type = 'message.received' and payload->>'matchId' = ${input.matchId} and payload->>'preview' <> ''`.execute(tx);
    const members = sortedMembers(match.members.filter((m) => m.userId !== input.colleagueId));
    const threadOpen = match.status === 'active';
    const events = threadOpen
      ? await appendChangeEvents(tx, threadMemberEvents('thread.member.removed', { matchId: input.matchId, userId: input.colleagueId, byUserId: input.callerId }, members))
      : [];
    if (threadOpen) await beforeCommit();
    return { kind: 'changed', atSeq: match.lastSeq, members, events, threadOpen };
  });
}

/**
 * Runs `work` in a transaction holding the match's row in share mode: a colleague's
 * addition or removal (which holds it for update from its first read to its commit)
 * committed wholly before `work` reads, or waits for it to commit. What `work` reads
 * and writes of a thread's members is then true at its commit.
 */
export function underMatchShare<T>(db: Kysely<Database>, matchId: string, work: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await tx.selectFrom('matches').select('id').where('id', '=', matchId).forShare().execute();
    return work(tx);
  });
}

/** A colleague's place in a thread, for its actor to take them in; undefined when they are not a colleague there. */
export async function findColleague(db: Db, matchId: string, userId: string): Promise<{ readonly lastReadSeq: number } | undefined> {
  const row = await db
    .selectFrom('match_members as mm')
    .leftJoin('read_markers as r', (join) => join.onRef('r.match_id', '=', 'mm.match_id').onRef('r.user_id', '=', 'mm.user_id'))
    .select(['r.last_read_seq'])
    .where('mm.match_id', '=', matchId)
    .where('mm.user_id', '=', userId)
    .where('mm.role', '=', 'colleague')
    .executeTakeFirst();
  return row && { lastReadSeq: Number(row.last_read_seq ?? 0) };
}

/** The user's colleague places (threads they were added to), removed at once; the matches they were in. */
export async function removeColleaguePlaces(tx: Transaction<Database>, userId: string): Promise<string[]> {
  const rows = await tx.deleteFrom('match_members').where('user_id', '=', userId).where('role', '=', 'colleague').returning('match_id').execute();
  const matchIds = rows.map((r) => r.match_id);
  await recordDepartures(tx, userId, matchIds);
  return matchIds;
}

/**
 * Where a colleague's messages stay once they left: an erasure reaches a sender's messages through
 * the threads they wrote in (the messages' keys lead with the thread), not by reading every message.
 */
async function recordDepartures(tx: Transaction<Database>, userId: string, matchIds: readonly string[]): Promise<void> {
  if (matchIds.length === 0) return;
  await tx
    .insertInto('colleague_departures')
    .values(matchIds.map((matchId) => ({ user_id: userId, match_id: matchId })))
    .onConflict((oc) => oc.columns(['user_id', 'match_id']).doNothing())
    .execute();
}

/** The hiring threads the user is a colleague in (a recruiter belongs to one company: all of them are its). */
export async function listColleaguePlaces(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('match_members').select('match_id').where('user_id', '=', userId).where('role', '=', 'colleague').execute();
  return rows.map((r) => r.match_id);
}
