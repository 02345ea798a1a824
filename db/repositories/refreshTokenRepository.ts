import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

export interface RefreshToken {
  readonly id: string;
  readonly userId: string;
  readonly familyId: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
  /** The token it was rotated into, once spent. */
  readonly rotatedInto: string | null;
}

const COLUMNS = ['id', 'user_id', 'family_id', 'expires_at', 'used_at', 'revoked_at', 'rotated_into'] as const;

export async function insertRefreshToken(
  db: Db,
  token: { id: string; userId: string; familyId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({
      id: token.id,
      user_id: token.userId,
      family_id: token.familyId,
      token_hash: token.tokenHash,
      expires_at: token.expiresAt,
    })
    .execute();
}

/**
 * The token's row, read without a lock or a transaction: a token that matches none (a guess, an
 * expired token pruned since) is refused without holding a connection for a transaction.
 */
export async function findRefreshTokenByHash(db: Db, tokenHash: string): Promise<RefreshToken | undefined> {
  const row = await db.selectFrom('refresh_tokens').select(COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toRefreshToken(row);
}

/** The advisory lock of an account's log-in sessions (`lockRefreshTokenSession`, `lockAccountSessions`). */
const accountSessionsKey = (userId: string) => sql`hashtext(${`kismet:account-sessions:${userId}`})`;

/**
 * Takes a log-in session's turn, to the transaction's end: every refresh and log-out of a session
 * takes it first, so they change its tokens one at a time. A retry within the grace revokes the
 * successor while another request may be spending it, or revoking the session through it: one
 * lock for the whole session orders them all, where row locks taken in different orders could deadlock.
 * The account's sessions lock comes before it, shared: an erasure takes that one alone
 * (`lockAccountSessions`) before it touches the account's row or tokens, so a refresh either
 * finishes first or begins after and finds its token gone. Without it the two met in a cycle: the
 * refresh held its token's row and waited, for its successor's key on the account's row, on the
 * erasure, which held that row and waited on the token's to delete it.
 */
export async function lockRefreshTokenSession(db: Transaction<Database>, session: { readonly userId: string; readonly familyId: string }): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(${accountSessionsKey(session.userId)})`.execute(db);
  await sql`select pg_advisory_xact_lock(hashtext(${`kismet:refresh-session:${session.familyId}`}))`.execute(db);
}

/**
 * Holds off every refresh and log-out of the account's sessions, to the transaction's end, once
 * those under way finished: an erasure takes it before the account's row and tokens (see
 * `lockRefreshTokenSession`). One lock for the account, not one per session: a log-in during the
 * erasure starts a session none of its locks would name.
 */
export async function lockAccountSessions(db: Transaction<Database>, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${accountSessionsKey(userId)})`.execute(db);
}

/** Locks the token row so two concurrent refreshes with the same token cannot both rotate it. */
export async function lockRefreshTokenByHash(db: Transaction<Database>, tokenHash: string): Promise<RefreshToken | undefined> {
  const row = await db.selectFrom('refresh_tokens').select(COLUMNS).where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
  return row && toRefreshToken(row);
}

/** A token by id (a spent token's successor), read under its session's lock. */
export async function findRefreshTokenById(db: Db, id: string): Promise<RefreshToken | undefined> {
  const row = await db.selectFrom('refresh_tokens').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toRefreshToken(row);
}

function toRefreshToken(row: {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
  rotated_into: string | null;
}): RefreshToken {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
    rotatedInto: row.rotated_into,
  };
}

/** Spends the token: used at `usedAt`, rotated into `successorId`. */
export async function markRefreshTokenUsed(db: Db, id: string, usedAt: Date, successorId: string): Promise<void> {
  await db.updateTable('refresh_tokens').set({ used_at: usedAt, rotated_into: successorId }).where('id', '=', id).execute();
}

/**
 * A spent token rotated again (a retry whose first answer was lost): the successor it was rotated
 * into, never used, is revoked, and `successorId` takes its place. Its own used_at stays that of
 * its first rotation, which the grace counts from.
 */
export async function replaceRefreshTokenSuccessor(
  db: Db,
  token: { readonly id: string; readonly rotatedInto: string },
  successorId: string,
  revokedAt: Date,
): Promise<void> {
  await db.updateTable('refresh_tokens').set({ revoked_at: revokedAt }).where('id', '=', token.rotatedInto).execute();
  await db.updateTable('refresh_tokens').set({ rotated_into: successorId }).where('id', '=', token.id).execute();
}

export async function revokeRefreshTokenFamily(db: Db, familyId: string, revokedAt: Date): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: revokedAt })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Every log-in session of an account, ended (a ban): none of its refresh tokens is exchanged again, even after an unban. */
export async function revokeRefreshTokensOfUser(db: Db, userId: string, revokedAt: Date): Promise<void> {
  await db.updateTable('refresh_tokens').set({ revoked_at: revokedAt }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}
