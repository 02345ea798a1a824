import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewReport {
  readonly reporterId: string;
  readonly reportedId: string;
  readonly contextKind: 'profile' | 'message' | 'call' | 'event';
  readonly contextId: string | null;
  readonly reason: string;
}

/** Files a report for the moderators; returns its id. */
export async function insertReport(db: Db, report: NewReport): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('reports')
    .values({
      id,
      reporter_id: report.reporterId,
      reported_id: report.reportedId,
      context_kind: report.contextKind,
      context_id: report.contextId,
      reason: report.reason,
    })
    .execute();
  return id;
}
