import type { Kysely } from 'kysely';
import type { Revocation } from '../../domain/revocationList';
import type { Database } from '../types';

export async function insertRevocation(db: Kysely<Database>, revocation: Revocation): Promise<void> {
  await db
    .insertInto('token_revocations')
    .values({
      kind: revocation.kind,
      subject: revocation.subject,
      revoked_at: new Date(revocation.revokedAtMs),
      expires_at: new Date(revocation.expiresAtMs),
    })
    .execute();
}

/** The revocations that can still refuse a live token. */
export async function listLiveRevocations(db: Kysely<Database>, now: Date): Promise<Revocation[]> {
  const rows = await db
    .selectFrom('token_revocations')
    .select(['kind', 'subject', 'revoked_at', 'expires_at'])
    .where('expires_at', '>', now)
    .execute();
  return rows.map((r) => ({ kind: r.kind, subject: r.subject, revokedAtMs: r.revoked_at.getTime(), expiresAtMs: r.expires_at.getTime() }));
}

export async function deleteExpiredRevocations(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('token_revocations').where('expires_at', '<=', now).execute();
}
