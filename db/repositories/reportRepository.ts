import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';
import { DOMAIN_EVENTS_ON } from './domainOutboxRepository';

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
  await sql`
    with r as (
      insert into reports (id, reporter_id, reported_id, context_kind, context_id, reason)
      values (${id}, ${report.reporterId}, ${report.reportedId}, ${report.contextKind}, ${report.contextId}, ${report.reason})
      returning id, reporter_id, reported_id, context_kind, context_id
    )
    -- The report's domain event: who, about whom, in what context; never the reason's text.
    insert into domain_event_outbox (type, data)
    select 'report.filed', jsonb_build_object('reportId', id, 'reporterId', reporter_id, 'reportedId', reported_id,
                                              'contextKind', context_kind, 'contextId', context_id)
      from r where ${DOMAIN_EVENTS_ON}`.execute(db);
  return id;
}

export interface ReportFilter {
  readonly status: 'open' | 'resolved' | 'all';
  readonly reportedId?: string | undefined;
  readonly reporterId?: string | undefined;
  readonly contextKind?: NewReport['contextKind'] | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface ReportRecord {
  readonly id: string;
  readonly reporterId: string;
  readonly reportedId: string;
  readonly contextKind: NewReport['contextKind'];
  readonly contextId: string | null;
  readonly reason: string;
  readonly createdAt: Date;
  readonly status: 'open' | 'resolved';
  readonly openAgainstReported: number;
  readonly resolvedAt: Date | null;
  readonly resolution: string | null;
  readonly note: string | null;
}

/**
 * Reports for the moderation desk: accounts with the most open reports against
 * them first, then the oldest report first; a page of `limit` from `offset`.
 */
export async function listReports(db: Db, filter: ReportFilter): Promise<ReportRecord[]> {
  let query = db
    .selectFrom('reports as r')
    .selectAll('r')
    .select((eb) =>
      eb
        .selectFrom('reports as o')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('o.reported_id', '=', 'r.reported_id')
        .where('o.status', '=', 'open')
        .as('open_against'),
    );
  if (filter.status !== 'all') query = query.where('r.status', '=', filter.status);
  if (filter.reportedId) query = query.where('r.reported_id', '=', filter.reportedId);
  if (filter.reporterId) query = query.where('r.reporter_id', '=', filter.reporterId);
  if (filter.contextKind) query = query.where('r.context_kind', '=', filter.contextKind);
  const rows = await query
    .orderBy('open_against', 'desc')
    .orderBy('r.reported_id')
    .orderBy('r.created_at')
    .orderBy('r.id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    reporterId: r.reporter_id,
    reportedId: r.reported_id,
    contextKind: r.context_kind,
    contextId: r.context_id,
    reason: r.reason,
    createdAt: r.created_at,
    status: r.status,
    openAgainstReported: Number(r.open_against ?? 0),
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
    note: r.resolution_note,
  }));
}

/** The open report, locked until the transaction ends: one operator resolves it, once. */
export async function lockOpenReport(db: Transaction<Database>, reportId: string) {
  return db.selectFrom('reports').selectAll().where('id', '=', reportId).where('status', '=', 'open').forUpdate().executeTakeFirst();
}

export async function findReportStatus(db: Db, reportId: string): Promise<'open' | 'resolved' | undefined> {
  const row = await db.selectFrom('reports').select('status').where('id', '=', reportId).executeTakeFirst();
  return row?.status;
}

export async function markReportResolved(db: Db, reportId: string, resolution: { action: string; note: string; at: Date }): Promise<void> {
  await db
    .updateTable('reports')
    .set({ status: 'resolved', resolved_at: resolution.at, resolution: resolution.action, resolution_note: resolution.note })
    .where('id', '=', reportId)
    .execute();
}
