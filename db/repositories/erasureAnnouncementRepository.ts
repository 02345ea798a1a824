import type { Kysely } from 'kysely';
import type { Database } from '../types';
import type { ErasureAnnouncement } from './accountErasureRepository';

/** An erased account whose announcement to the cluster is still owed. */
export interface OwedErasureAnnouncement {
  readonly userId: string;
  readonly announcement: ErasureAnnouncement;
}

/**
 * The erasures whose announcement is still owed (the node stopped after the erasure committed,
 * or a part of the telling failed), oldest first, through the partial index of those rows.
 */
export async function listOwedErasureAnnouncements(db: Kysely<Database>, limit: number): Promise<OwedErasureAnnouncement[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'erasure_announcement'])
    .where('erasure_announcement', 'is not', null)
    .orderBy('deleted_at')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ userId: row.id, announcement: row.erasure_announcement as ErasureAnnouncement }));
}

/** An account's erasure, if it was erased: with its announcement when that is still owed. */
export async function findErasure(db: Kysely<Database>, userId: string): Promise<{ readonly owed: ErasureAnnouncement | undefined } | undefined> {
  const row = await db.selectFrom('users').select('erasure_announcement').where('id', '=', userId).where('deleted_at', 'is not', null).executeTakeFirst();
  if (!row) return undefined;
  return { owed: row.erasure_announcement === null ? undefined : (row.erasure_announcement as ErasureAnnouncement) };
}

/** Every part of an erasure's announcement was told: nothing more is owed. */
export async function clearErasureAnnouncement(db: Kysely<Database>, userId: string): Promise<void> {
  await db.updateTable('users').set({ erasure_announcement: null }).where('id', '=', userId).where('erasure_announcement', 'is not', null).execute();
}
