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

/**
 * The revocations that can still refuse a live token: those stored as live, and those
 * revoked less than `lifetimeMs` ago (the reader's own lifetime: a row stored by a node
 * with a shorter one, or an older rule, still covers the reader's tokens).
 */
export async function listLiveRevocations(db: Kysely<Database>, now: Date, lifetimeMs: number): Promise<Revocation[]> {
  const rows = await db
    .selectFrom('token_revocations')
    .select(['kind', 'subject', 'revoked_at', 'expires_at'])
    .where((eb) => eb.or([eb('expires_at', '>', now), eb('revoked_at', '>', new Date(now.getTime() - lifetimeMs))]))
    .execute();
  return rows.map((r) => ({ kind: r.kind, subject: r.subject, revokedAtMs: r.revoked_at.getTime(), expiresAtMs: r.expires_at.getTime() }));
}

/** Deletes the revocations no live token can be refused by any more, by either measure of listLiveRevocations. */
export async function deleteExpiredRevocations(db: Kysely<Database>, now: Date, lifetimeMs: number): Promise<void> {
  await db.deleteFrom('token_revocations').where('expires_at', '<=', now).where('revoked_at', '<=', new Date(now.getTime() - lifetimeMs)).execute();
}
