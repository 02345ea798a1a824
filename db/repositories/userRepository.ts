import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { coarseCellOf } from '../../domain/geo';
import type { Database, PresenceStatus, UserRole, UserStatus } from '../types';
import { DOMAIN_EVENTS_ON } from './domainOutboxRepository';
import { inAskedOrder } from './askedOrder';

type Db = Kysely<Database> | Transaction<Database>;

export interface User {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly role: UserRole;
  readonly isPremium: boolean;
  readonly status: UserStatus;
  readonly shadowBanned: boolean;
  readonly presence: PresenceStatus;
  readonly lastSeenAt: Date | null;
}

const USER_COLUMNS = [
  'id', 'email', 'password_hash', 'role', 'is_premium', 'status', 'shadow_banned', 'presence', 'last_seen_at',
] as const;

function toUser(row: {
  id: string; email: string; password_hash: string; role: UserRole; is_premium: boolean; status: UserStatus;
  shadow_banned: boolean; presence: PresenceStatus; last_seen_at: Date | null;
}): User {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    isPremium: row.is_premium,
    status: row.status,
    shadowBanned: row.shadow_banned,
    presence: row.presence,
    lastSeenAt: row.last_seen_at,
  };
}

/** Inserts a user (shadow-banned from the start if `shadowBanned`); throws the driver's unique violation when the email exists (see faults.ts isUniqueViolation). */
export async function insertUser(
  db: Db,
  user: { id: string; email: string; passwordHash: string; role?: UserRole; shadowBanned?: boolean },
): Promise<User> {
  const row = await db
    .insertInto('users')
    .values({ id: user.id, email: user.email, password_hash: user.passwordHash, role: user.role, shadow_banned: user.shadowBanned })
    .returning(USER_COLUMNS)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(USER_COLUMNS).where('email', '=', email).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** The account, unless there is none or its person deleted it. */
export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/**
 * The account's status, its row held `for share` to the transaction's end: a ban
 * (which updates the row) waits for what is stored under it, so it sees and ends it.
 * Undefined when there is no such account or it was deleted.
 */
export async function lockAccountStatus(db: Transaction<Database>, id: string): Promise<UserStatus | undefined> {
  const row = await db.selectFrom('users').select('status').where('id', '=', id).where('deleted_at', 'is', null).forShare().executeTakeFirst();
  return row?.status;
}

/**
 * Whether others must not see the account at all (banned, shadow-banned or deleted),
 * inside a statement, for the row `users` (an alias of users): one definition, so a
 * list of many people hides the same accounts as a read of one.
 */
export function hiddenAccountSql(users: string): RawBuilder<boolean> {
  const u = sql.table(users);
  return sql<boolean>`(${u}.status <> 'active' or ${u}.shadow_banned or ${u}.deleted_at is not null)`;
}

/**
 * Records many users' presence in one statement; `lastSeenAt` is the moment each change was observed. A user's last entry wins.
 * The rows are locked in id order first, as a batch of events locks them (`appendEventsOfUsers`): updated in the order the
 * join happened to meet them, a wave of leaves and another node's flush could each hold a user the other waited on.
 * An erased account takes none (its devices leave after the erasure): the ids answered are the users whose row took it.
 */
export async function updatePresences(db: Db, changes: ReadonlyArray<{ userId: string; presence: PresenceStatus; lastSeenAt: Date }>): Promise<Set<string>> {
  const latest = [...new Map(changes.map((change) => [change.userId, change])).values()];
  if (latest.length === 0) return new Set();
  // Locking waits for an erasure holding the row, and reads it again once it committed.
  const { rows } = await sql<{ id: string }>`
    with locked as materialized (
      select id from users where id = any(${latest.map((c) => c.userId)}::uuid[]) and deleted_at is null order by id for no key update
    )
    update users u set presence = c.presence, last_seen_at = c.at
      from locked l
      join unnest(${latest.map((c) => c.userId)}::uuid[], ${latest.map((c) => c.presence)}::text[], ${latest.map((c) => c.lastSeenAt)}::timestamptz[])
           as c(id, presence, at) on c.id = l.id
     where u.id = l.id
    returning u.id`.execute(db);
  return new Set(rows.map((r) => r.id));
}

/**
 * The status of each account that exists and is not deleted, by id: what admitting a join asks.
 * The ids go as one array, so every batch is the same statement, prepared and planned once per
 * connection: an `in` list is another statement for every length, up to a batch's 500, and a
 * node prepares 500 statements in all (db/preparingPool.ts), running every later one unprepared.
 */
export async function findAccountStatuses(db: Db, ids: readonly string[]): Promise<Map<string, UserStatus>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['id', 'status'])
    .where(sql<boolean>`id = any(${[...new Set(ids)]}::uuid[])`)
    .where('deleted_at', 'is', null)
    .execute();
  return new Map(rows.map((row) => [row.id, row.status]));
}

/** The shadow-banned among these accounts (one array, as `findAccountStatuses` says why): what a live event reads again after Redis trouble. */
export async function findShadowBannedAmong(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('users').select('id').where(sql<boolean>`id = any(${[...new Set(ids)]}::uuid[])`).where('shadow_banned', '=', true).execute();
  return new Set(rows.map((row) => row.id));
}

/** Inserts many users in one statement; for seeding load tests. */
export async function insertUsersBulk(db: Db, users: ReadonlyArray<{ id: string; email: string; passwordHash: string }>): Promise<void> {
  if (users.length === 0) return;
  await db
    .insertInto('users')
    .values(users.map((u) => ({ id: u.id, email: u.email, password_hash: u.passwordHash })))
    .execute();
}

/** Puts each owner where their person card is; for seeding cards that were placed directly. */
export async function placeOwnersAtPersonCards(db: Db, ownerIds: readonly string[]): Promise<void> {
  if (ownerIds.length === 0) return;
  await db
    .updateTable('users as u')
    .from('cards as c')
    .set((eb) => ({ lat: eb.ref('c.lat'), lng: eb.ref('c.lng'), h3_cell: eb.ref('c.h3_cell') }))
    .whereRef('c.owner_id', '=', 'u.id')
    .where('c.kind', '=', 'person')
    .where('u.id', 'in', [...ownerIds])
    .execute();
}

/** A position and the lobby-resolution cell that holds it. */
export interface CellLocation {
  readonly lat: number;
  readonly lng: number;
  readonly h3Cell: string;
}

/**
 * Stores where the user is (for their own searches and lobby), and moves their
 * person cards to where others see them (`shown`, a coarser point), atomically.
 */
export async function updateUserLocation(
  db: Kysely<Database>,
  userId: string,
  location: { readonly exact: CellLocation; readonly shown: CellLocation; readonly at: Date },
): Promise<void> {
  const { exact, shown } = location;
  await db.transaction().execute(async (trx) => {
    // A deleted account (its erasure holds the row's lock until it commits) keeps no location.
    const located = await trx
      .updateTable('users')
      .set({ lat: exact.lat, lng: exact.lng, h3_cell: exact.h3Cell, located_at: location.at })
      .where('id', '=', userId)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!located) return;
    await trx
      .updateTable('cards')
      .set({ lat: shown.lat, lng: shown.lng, h3_cell: shown.h3Cell, h3_coarse: coarseCellOf(shown.h3Cell) })
      .where('owner_id', '=', userId)
      .where('kind', '=', 'person')
      .execute();
  });
}

/** Where the person's card shows them now (the centre of a privacy cell), if it shows them anywhere: every person card of theirs shows the same. */
export async function findShownLocation(db: Db, userId: string): Promise<{ readonly lat: number; readonly lng: number } | undefined> {
  const row = await db
    .selectFrom('cards')
    .select(['lat', 'lng'])
    .where('owner_id', '=', userId)
    .where('kind', '=', 'person')
    .where('lat', 'is not', null)
    .where('lng', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row && row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : undefined;
}

/**
 * Locks a live (not deleted) account's row until the transaction ends, and reads its role:
 * what an account creates under a limit (cards, events, a company's members) takes turns on
 * it, each counting the ones before it. Undefined for no such account, or a deleted one.
 */
export async function lockLiveAccount(tx: Transaction<Database>, userId: string): Promise<{ readonly role: UserRole } | undefined> {
  return tx.selectFrom('users').select('role').where('id', '=', userId).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
}

/** Operator changes to an account (entitlements, role). Returns the account, or undefined if there is none. */
export async function updateAccount(
  db: Db,
  userId: string,
  changes: { isPremium?: boolean | undefined; role?: UserRole | undefined; banned?: boolean | undefined; shadowBanned?: boolean | undefined },
): Promise<User | undefined> {
  // A ban's domain event, once: the row lock makes a second ban racing this one see the account banned.
  if (changes.banned === true) {
    await sql`
      insert into domain_event_outbox (type, data)
      select 'account.banned', jsonb_build_object('userId', u.id) from users u
       where u.id = ${userId} and u.status <> 'banned' and ${DOMAIN_EVENTS_ON}
       for update of u`.execute(db);
  }
  const row = await db
    .updateTable('users')
    .set({
      is_premium: changes.isPremium,
      role: changes.role,
      status: changes.banned === undefined ? undefined : changes.banned ? 'banned' : 'active',
      shadow_banned: changes.shadowBanned,
    })
    .where('id', '=', userId)
    .returning(USER_COLUMNS)
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** Where the user last said they are, and when (ms since epoch). */
export async function findUserLocation(db: Db, userId: string): Promise<StoredLocation | undefined> {
  const row = await db.selectFrom('users').select(['lat', 'lng', 'h3_cell', 'located_at']).where('id', '=', userId).executeTakeFirst();
  return row ? storedLocationOf(row) : undefined;
}

export type StoredLocation = CellLocation & { readonly atMs: number };

function storedLocationOf(row: { lat: number | null; lng: number | null; h3_cell: string | null; located_at: Date | null }): StoredLocation | undefined {
  if (row.lat === null || row.lng === null || row.h3_cell === null) return undefined;
  return { lat: row.lat, lng: row.lng, h3Cell: row.h3_cell, atMs: row.located_at?.getTime() ?? 0 };
}

/**
 * What a session actor starts from: whether the user is shadow-banned, where they
 * were, and the other members of their active matches (who hears of their presence).
 */
export interface SessionStart {
  readonly shadowBanned: boolean;
  readonly location: StoredLocation | undefined;
  readonly counterparts: readonly string[];
}

/** What many session actors start from, in one statement, in the order asked. */
export async function findSessionStarts(db: Db, userIds: readonly string[]): Promise<SessionStart[]> {
  if (userIds.length === 0) return [];
  const { rows } = await sql<{ i: string; shadow_banned: boolean | null; lat: number | null; lng: number | null; h3_cell: string | null; located_at: Date | null; counterparts: string[] }>`
    select q.i, u.shadow_banned, u.lat, u.lng, u.h3_cell, u.located_at,
           array(select distinct other.user_id from match_members mine
                   join matches m on m.id = mine.match_id and m.status = 'active'
                   join match_members other on other.match_id = mine.match_id and other.role = 'party' and other.user_id <> mine.user_id
                  where mine.user_id = u.id and mine.role = 'party')::text[] as counterparts
      from unnest(${userIds}::uuid[]) with ordinality as q(user_id, i)
      left join users u on u.id = q.user_id`.execute(db);
  return inAskedOrder(rows, userIds.length, (row) => ({
    shadowBanned: row?.shadow_banned === true,
    location: row ? storedLocationOf(row) : undefined,
    counterparts: row?.counterparts ?? [],
  }));
}

/**
 * Sets or clears an operator's verification on an account and every card it has;
 * its later cards inherit it. False when there is no such (undeleted) account.
 */
export async function setAccountVerified(db: Db, userId: string, verified: boolean): Promise<boolean> {
  const user = await db.updateTable('users').set({ verified }).where('id', '=', userId).where('deleted_at', 'is', null).returning('id').executeTakeFirst();
  if (!user) return false;
  await db.updateTable('cards').set({ verified, updated_at: new Date() }).where('owner_id', '=', userId).execute();
  return true;
}
