import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

export interface RefreshToken {
  readonly id: string;
  readonly userId: string;
  readonly familyId: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
}

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
  const row = await db
    .selectFrom('refresh_tokens')
    .select(['id', 'user_id', 'family_id', 'expires_at', 'used_at', 'revoked_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row && toRefreshToken(row);
}

/** Locks the token row so two concurrent refreshes with the same token cannot both rotate it. */
export async function lockRefreshTokenByHash(db: Transaction<Database>, tokenHash: string): Promise<RefreshToken | undefined> {
  const row = await db
    .selectFrom('refresh_tokens')
    .select(['id', 'user_id', 'family_id', 'expires_at', 'used_at', 'revoked_at'])
    .where('token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();
  return row && toRefreshToken(row);
}

function toRefreshToken(row: { id: string; user_id: string; family_id: string; expires_at: Date; used_at: Date | null; revoked_at: Date | null }): RefreshToken {
  return { id: row.id, userId: row.user_id, familyId: row.family_id, expiresAt: row.expires_at, usedAt: row.used_at, revokedAt: row.revoked_at };
}

export async function markRefreshTokenUsed(db: Db, id: string, usedAt: Date): Promise<void> {
  await db.updateTable('refresh_tokens').set({ used_at: usedAt }).where('id', '=', id).execute();
}

export async function revokeRefreshTokenFamily(db: Db, familyId: string, revokedAt: Date): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: revokedAt })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}
