import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

/** One operator action, as the audit log keeps it: ids and the operator's note, never personal data. */
export interface NewAuditEntry {
  readonly action: string;
  readonly targetKind: 'user' | 'report' | 'card' | 'message' | 'company';
  readonly targetId: string;
  readonly detail: Record<string, unknown>;
  readonly at: Date;
}

export interface AuditRecord extends Omit<NewAuditEntry, 'targetKind'> {
  readonly id: string;
  readonly targetKind: string;
}

/** Appends to the operator audit log (the table refuses updates and deletes). */
export async function appendAudit(db: Db, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('operator_audit')
    .values({ at: entry.at, action: entry.action, target_kind: entry.targetKind, target_id: entry.targetId, detail: JSON.stringify(entry.detail) })
    .execute();
}

/** The audit log, newest first, `limit` entries older than `before` (an entry id). */
export async function listAudit(db: Db, page: { limit: number; before?: string | undefined; targetId?: string | undefined }): Promise<AuditRecord[]> {
  let query = db.selectFrom('operator_audit').selectAll();
  if (page.before) query = query.where('id', '<', page.before);
  if (page.targetId) query = query.where('target_id', '=', page.targetId);
  const rows = await query.orderBy('id', 'desc').limit(page.limit).execute();
  return rows.map((r) => ({ id: String(r.id), at: r.at, action: r.action, targetKind: r.target_kind, targetId: r.target_id, detail: r.detail }));
}
