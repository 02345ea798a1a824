import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';
import { queueDomainEvents } from './domainOutboxRepository';
import { endMatchesWithin, type MatchesEnded } from './matchRepository';
import { presentOptionalTables } from './optionalTables';
import { keepErasedStanding, type EmailKeyOf } from './sanctionedEmailRepository';
import { lockAccountSessions } from './refreshTokenRepository';
import { removeColleaguePlaces } from './threadMemberRepository';
import { threadsWrittenIn } from './threadsWrittenIn';

/**
 * What a deleted account's row keeps for an address: unique, free of the person's own, and
 * no address at all, so nobody can register it first and make the erasure collide with it
 * (an id is no secret: decks and matches show owners' ids).
 */
export const erasedEmail = (userId: string) => `erased:${userId}`;

/** The advisory lock (held to the transaction's end) that erasures take turns on. */
const ERASURES_LOCK_KEY = sql`hashtext('kismet:erasures')`;

/** A password hash no password verifies against. */
const NO_PASSWORD = '!deleted';

/** A password hash no password verifies against, kept while others' writes that began before the erasure are swept (finishErasure). */
export const ERASING = '!erasing';

/**
 * What the cluster is told of an erasure once it committed (services/moderation.ts
 * `announceAccountDeleted`). Kept on the account's row by the erasure's transaction until every
 * part was told (erasureAnnouncementRepository.ts): a node that stops first, or a part that fails,
 * leaves it to be told again.
 */
export interface ErasureAnnouncement {
  /** The matches ended for the others, with their `match.ended` events (the deleted person's own are gone). */
  readonly ended: MatchesEnded;
  /** Every match the person was in, ended now or before: their threads drop the person's connections. */
  readonly matchIds: string[];
  /** Hiring threads the person was a colleague in: they leave them, and the threads go on for the others. */
  readonly colleagueOf: string[];
}

export interface AccountErased extends ErasureAnnouncement {
  /** Why the sweep of the writes on their way failed, if it did: `finishErasures` takes it up later. */
  readonly sweepFailure?: unknown;
}

/**
 * Deletes a person's account, first in one transaction: takes them out of the hiring
 * threads they were a colleague in and out of their company, ends their active
 * matches for the others (`match.ended`), erases the content of every message they sent and
 * its previews in others' notices, removes their swipes, like pairs, tokens,
 * device cursors, preferences, blocks, registrations, attendance, read markers and events,
 * removes their cards (a card a match or a live event still refers to stays as
 * an empty, inactive shell), and empties the account row, which stays so that
 * others' threads keep their sequence and their own messages; its email is freed. A banned or
 * shadow-banned account's sanctions stay, under its email's key (`emailKeyOf`, never the address:
 * sanctionedEmailRepository.ts), for a registration with that email. The row
 * keeps what the cluster is to be told of it until it was told (`ErasureAnnouncement`), and the
 * domain outbox gets `account.erased`.
 * Then, in a second, sweeps what others' writes that began before the first
 * committed stored for the person (`finishErasure`). Undefined when there is no
 * such (undeleted) account.
 */
export async function eraseAccount(db: Kysely<Database>, userId: string, at: Date, emailKeyOf: EmailKeyOf): Promise<AccountErased | undefined> {
  const erased = await db.transaction().execute(async (tx) => {
    const optional = await presentOptionalTables(tx);
    // Erasures take turns, as they did when each began by locking the swipes table: each locks
    // rows in the streams of the people it wrote to before it takes that table, so two matched
    // people erased at once would each hold the other's and wait for the table the other holds.
    // A second erasure of one account waits here, then finds it deleted.
    await sql`select pg_advisory_xact_lock(${ERASURES_LOCK_KEY})`.execute(tx);
    const live = await tx.selectFrom('users').select('id').where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!live) return undefined;
    // The account's refreshes and log-outs next, before its row and tokens, in the order they take
    // them (refreshTokenRepository.ts lockRefreshTokenSession): one under way finishes first, a
    // later one waits for this to commit and finds its token gone.
    await lockAccountSessions(tx, userId);
    // The bus's consumers (analytics, recommendations, moderation) forget the person on this, told exactly when the erasure commits.
    await queueDomainEvents(tx, [{ type: 'account.erased', data: { userId } }]);
    // The messages' text and previews first, most of an erasure's length: no swipe flush takes
    // or waits for those rows, so the flushes go on meanwhile.
    await eraseMessagesOf(tx, userId, at);
    // Then, holding nothing a flush waits for: waits for the swipe flushes in flight and holds off
    // new ones until this commits. Swipes and like pairs have no keys on cards: the deletes below
    // find every swipe a flush stored, and a flush after this sees the cards gone (and makes no
    // match with them). Share row exclusive, not share: a mode that conflicts with itself, so
    // nothing else holding the table in it can be in the way of the deletes.
    await sql`lock table swipes in share row exclusive mode`.execute(tx);
    // The account's row too, from here on: others' writes for the person (an arrival, an award)
    // wait for this to commit, and are swept by the second step. (Only an erasure deletes an
    // account, and erasures take turns: it is still the one read above.) Its standing is read
    // under the lock: a ban stored before it counts.
    const held = await tx.selectFrom('users').select(['email', 'status', 'shadow_banned']).where('id', '=', userId).forUpdate().executeTakeFirstOrThrow();
    const standing = { banned: held.status === 'banned', shadowBanned: held.shadow_banned };
    await keepErasedStanding(tx, { emailKey: emailKeyOf(held.email), userId, ...standing, at });
    // Before the matches end: a colleague leaving does not end the candidate's match.
    const colleagueOf = await removeColleaguePlaces(tx, userId);
    const ended = await endMatchesWithin(tx, { scope: { between: [userId, userId] }, status: 'unmatched', at });
    const matchIds = (await tx.selectFrom('match_members').select('match_id').where('user_id', '=', userId).execute()).map((r) => r.match_id);
    const cardIds = (await tx.selectFrom('cards').select('id').where('owner_id', '=', userId).execute()).map((r) => r.id);
    if (cardIds.length > 0) await eraseCards(tx, cardIds);
    await tx.deleteFrom('swipes').where('swiper_id', '=', userId).execute();
    for (const table of ['refresh_tokens', 'device_cursors', 'preferences', 'stored_events', 'registrations', 'attendance', 'read_markers'] as const) {
      await tx.deleteFrom(table).where('user_id', '=', userId).execute();
    }
    for (const name of optional) await sql`delete from ${sql.table(name)} where user_id = ${userId}`.execute(tx);
    await tx.deleteFrom('blocks').where((eb) => eb.or([eb('blocker_id', '=', userId), eb('blocked_id', '=', userId)])).execute();
    const announcement: ErasureAnnouncement = { ended: { ended: ended.ended, events: ended.events.filter((e) => e.userId !== userId) }, matchIds, colleagueOf };
    await tx
      .updateTable('users')
      .set({
        email: erasedEmail(userId),
        password_hash: ERASING,
        is_premium: false,
        shadow_banned: false,
        verified: false,
        presence: 'offline',
        last_seen_at: null,
        lat: null,
        lng: null,
        h3_cell: null,
        located_at: null,
        // What the person did or was done to them: the last pass they rewound, their settings, the counts of their stream.
        last_rewound_swipe_id: null,
        push_previews: false,
        likes_received: 0,
        event_seq: 0,
        deleted_at: at,
        erasure_announcement: JSON.stringify(announcement),
      })
      .where('id', '=', userId)
      .execute();
    return announcement;
  });
  if (!erased) return undefined;
  try {
    await finishErasure(db, userId, at);
    return erased;
  } catch (error) {
    return { ...erased, sweepFailure: error };
  }
}

/**
 * The second step of an erasure, once it committed. Others' actions write for the person
 * too: a message of theirs in a hiring thread that goes on without them, their arrival at a
 * live event, an award of XP. A write that began after the erasure committed reads the
 * account as erased and stores nothing of it (storeThreadBatches, recordArrivals,
 * recordProgressBatch); one that began before may commit after. So this waits for the
 * writes in flight to those tables (holding off new ones only for that wait and its own
 * short statements, not for the erasure's length), and takes away what they stored: the
 * text of messages stored as not erased (and their notices' previews), attendance,
 * progress and the events an award appended. Then the account's row says it is done.
 */
export async function finishErasure(db: Kysely<Database>, userId: string, at: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const optional = await presentOptionalTables(tx);
    const held = ['messages', 'attendance', ...optional.filter((name) => name === 'progress_ledger')];
    await sql`lock table ${sql.join(held.map((name) => sql.table(name)))} in share row exclusive mode`.execute(tx);
    const late = await tx
      .updateTable('messages')
      .set({ body: null, media_url: null, deleted_at: at })
      .where('match_id', 'in', threadsWrittenIn(userId))
      .where('sender_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (late.numUpdatedRows > 0n) await erasePreviewsOf(tx, userId);
    await tx.deleteFrom('attendance').where('user_id', '=', userId).execute();
    await tx.deleteFrom('stored_events').where('user_id', '=', userId).execute();
    await tx.deleteFrom('colleague_departures').where('user_id', '=', userId).execute();
    for (const name of optional) await sql`delete from ${sql.table(name)} where user_id = ${userId}`.execute(tx);
    await tx.updateTable('users').set({ password_hash: NO_PASSWORD }).where('id', '=', userId).where('password_hash', '=', ERASING).execute();
  });
}

/** Finishes erasures whose second step did not run (the node stopped, or Postgres failed, in between); how many. */
export async function finishErasures(db: Kysely<Database>, at: Date, limit = 100): Promise<number> {
  const pending = await db.selectFrom('users').select('id').where('password_hash', '=', ERASING).limit(limit).execute();
  for (const { id } of pending) await finishErasure(db, id, at);
  return pending.length;
}

/** Their messages keep their sequence and lose their content; the others' notices of them lose their preview. */
async function eraseMessagesOf(tx: Transaction<Database>, userId: string, at: Date): Promise<void> {
  await tx
    .updateTable('messages')
    .set((eb) => ({ body: null, media_url: null, deleted_at: eb.fn.coalesce('deleted_at', sql<Date>`${at}`) }))
    .where('match_id', 'in', threadsWrittenIn(userId))
    .where('sender_id', '=', userId)
    .execute();
  await erasePreviewsOf(tx, userId);
}

/**
 * The others' notices of the person's messages lose their preview. They are looked for in the
 * streams of the members of the threads the person wrote in (a colleague taken out of a thread
 * loses its previews then), not in every stream: a scan of all stored events grew with the
 * whole deployment's traffic, and the swipe flushes wait for an erasure's length.
 */
async function erasePreviewsOf(tx: Transaction<Database>, userId: string): Promise<void> {
  const told = await sql<{ user_id: string }>`
    select distinct mm.user_id from match_members mm
     where mm.match_id in (select t.match_id from ${threadsWrittenIn(userId)} as t
                            where exists (select 1 from messages m where m.match_id = t.match_id and m.sender_id = ${userId}))
       and mm.user_id <> ${userId}`.execute(tx);
  if (told.rows.length === 0) return;
  // The streams by their key, one after the other: a join let the planner scan every stream.
  await sql`
    update stored_events set payload = payload || '{"preview": "", "deleted": true}'::jsonb
     where user_id = any(${told.rows.map((r) => r.user_id)}::uuid[]) and type = 'message.received' and payload->>'senderId' = ${userId}`.execute(tx);
}

/** Swipes and like pairs on the cards go; cards nothing refers to go; the rest are emptied and deactivated. */
async function eraseCards(tx: Transaction<Database>, cardIds: string[]): Promise<void> {
  await tx.deleteFrom('swipes').where((eb) => eb.or([eb('from_card_id', 'in', cardIds), eb('to_card_id', 'in', cardIds)])).execute();
  await tx.deleteFrom('like_pairs').where((eb) => eb.or([eb('card_a_id', 'in', cardIds), eb('card_b_id', 'in', cardIds)])).execute();
  await tx
    .updateTable('cards')
    .set({
      title: '',
      bio: '',
      tags: '[]',
      photos: '[]',
      birth_year: null,
      experience_years: null,
      salary_min: null,
      salary_max: null,
      work_authorizations: '[]',
      culture: '{}',
      remote: false,
      verified: false,
      active: false,
      lat: null,
      lng: null,
      h3_cell: null,
      h3_coarse: null,
      updated_at: new Date(),
    })
    .where('id', 'in', cardIds)
    .execute();
  await tx
    .deleteFrom('cards')
    .where('id', 'in', cardIds)
    .where(({ exists, not, selectFrom }) =>
      not(exists(selectFrom('matches as m').select(sql`1`.as('one')).where(sql<boolean>`cards.id in (m.card_a_id, m.card_b_id)`))),
    )
    .where(({ exists, not, selectFrom }) => not(exists(selectFrom('events as e').select(sql`1`.as('one')).whereRef('e.job_card_id', '=', 'cards.id'))))
    .execute();
}
