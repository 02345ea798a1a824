import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';
import type { ReportContext } from '../../domain/reportContext';
import { DOMAIN_EVENTS_ON } from './domainOutboxRepository';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewReport {
  readonly reporterId: string;
  readonly reportedId: string;
  readonly contextKind: 'profile' | 'message' | 'call' | 'event';
  readonly contextId: string | null;
  readonly reason: string;
}

/**
 * Whether a report's context is one the reporter may name, checked only against
 * what the reporter can see, so the answer tells them nothing new about the
 * reported person: a card of the reported person (a card shows its owner); a
 * message the reported person sent in a match the reporter is a member of (party
 * or colleague), one the reporter is shown (a message shows its sender); a call
 * between the two; an event the reporter is part of (registered or attended),
 * or, for its host, one the reported person hosts or attended (hosts see who
 * came). Who registered for or came to an event is not the others' to learn,
 * so whether the reported person did leaves a non-host's answer the same; the
 * moderators judge. One statement.
 */
export async function reportContextHolds(db: Db, reporterId: string, reportedId: string, context: ReportContext): Promise<boolean> {
  const holds = (() => {
    switch (context.kind) {
      case 'profile':
        return sql<boolean>`exists (select 1 from cards where id = ${context.cardId}::uuid and owner_id = ${reportedId}::uuid)`;
      case 'message':
        // Sent by the reported person: a member could otherwise file their own message, or a third
        // member's, as evidence against someone else. Not a hidden one: the reporter is shown
        // neither it nor its sender, so whether it holds would tell them who sent it.
        return sql<boolean>`exists (select 1 from match_members mm join messages m on m.match_id = mm.match_id
                                     where mm.match_id = ${context.matchId}::uuid and mm.user_id = ${reporterId}::uuid and m.seq = ${context.seq}
                                       and m.sender_id = ${reportedId}::uuid and not m.hidden)`;
      case 'call':
        return sql<boolean>`exists (select 1 from calls where id = ${context.callId}::uuid
                                       and ((caller_id = ${reporterId}::uuid and callee_id = ${reportedId}::uuid)
                                         or (caller_id = ${reportedId}::uuid and callee_id = ${reporterId}::uuid)))`;
      case 'event': {
        const partOf = (userId: string, parts: ReadonlyArray<'event_hosts' | 'registrations' | 'attendance'>) =>
          sql`(${sql.join(parts.map((t) => sql`exists (select 1 from ${sql.table(t)} where event_id = ${context.eventId}::uuid and user_id = ${userId}::uuid)`), sql` or `)})`;
        return sql<boolean>`case when ${partOf(reporterId, ['event_hosts'])} then ${partOf(reportedId, ['event_hosts', 'attendance'])}
                                 else ${partOf(reporterId, ['registrations', 'attendance'])} end`;
      }
    }
  })();
  const { rows } = await sql<{ holds: boolean }>`select ${holds} as holds`.execute(db);
  return rows[0]?.holds === true;
}

export interface FiledReport {
  readonly reportId: string;
  /** False when the reporter's open report of the same person was answered instead. */
  readonly filed: boolean;
}

/** A report filed or answered with the open one; or nothing stored, the reporter having `maxOpen` reports open. */
export type FileReportOutcome = FiledReport | { readonly limitReached: true };

/**
 * Files a report for the moderators, once per reported person: while the reporter's
 * report of the same person is open, in whatever context, another stores nothing (no
 * row, no domain event) and answers that report's id; and while the reporter has
 * `maxOpen` reports open, a report of someone else stores nothing and answers
 * `limitReached`. A reporter's filings take turns on a transaction-level advisory lock,
 * on every node, so filings sent at once never pass either rule; the unique index of
 * open reports (`reports_open_per_pair`) stands behind the first.
 */
export async function fileReport(db: Kysely<Database>, report: NewReport, maxOpen: number): Promise<FileReportOutcome> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`kismet:reports-by:${report.reporterId}`}))`.execute(trx);
    const open = await openReportsOf(trx, report.reporterId, report.reportedId);
    if (open.sameId !== null) return { reportId: open.sameId, filed: false };
    if (open.count >= maxOpen) return { limitReached: true };
    const id = randomUUID();
    const inserted = await sql<{ id: string }>`
      with r as (
        insert into reports (id, reporter_id, reported_id, context_kind, context_id, reason)
        values (${id}, ${report.reporterId}, ${report.reportedId}, ${report.contextKind}, ${report.contextId}, ${report.reason})
        on conflict (reporter_id, reported_id) where status = 'open' do nothing
        returning id, reporter_id, reported_id, context_kind, context_id
      ), e as (
        -- The report's domain event: who, about whom, in what context; never the reason's text.
        insert into domain_event_outbox (type, data)
        select 'report.filed', jsonb_build_object('reportId', id, 'reporterId', reporter_id, 'reportedId', reported_id,
                                                  'contextKind', context_kind, 'contextId', context_id)
          from r where ${DOMAIN_EVENTS_ON}
      )
      select id from r`.execute(trx);
    if (inserted.rows.length > 0) return { reportId: id, filed: true };
    // Only a filing that took no turn (a node of an earlier release) gets here: answered with what it stored.
    const stored = (await openReportsOf(trx, report.reporterId, report.reportedId)).sameId;
    if (stored === null) throw new Error('fileReport: an open report of the same person was in the way, and then gone');
    return { reportId: stored, filed: false };
  });
}

/** How many reports the reporter has open, and their open report of `reportedId` (null: none). Through `reports_open_per_pair`. */
async function openReportsOf(db: Db, reporterId: string, reportedId: string): Promise<{ count: number; sameId: string | null }> {
  const { rows } = await sql<{ count: number; same_id: string | null }>`
    select count(*)::int as count, (array_agg(id) filter (where reported_id = ${reportedId}::uuid))[1] as same_id
      from reports where reporter_id = ${reporterId}::uuid and status = 'open'`.execute(db);
  return { count: rows[0]?.count ?? 0, sameId: rows[0]?.same_id ?? null };
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
  /** People with an open report against the reported account. */
  readonly openAgainstReported: number;
  readonly resolvedAt: Date | null;
  readonly resolution: string | null;
  readonly note: string | null;
}

/**
 * Reports for the moderation desk: accounts with open reports from the most
 * people first (one person's many reports count once), then the oldest report
 * first; a page of `limit` from `offset`.
 */
export async function listReports(db: Db, filter: ReportFilter): Promise<ReportRecord[]> {
  let query = db
    .selectFrom('reports as r')
    .selectAll('r')
    .select((eb) =>
      eb
        .selectFrom('reports as o')
        .select((inner) => inner.fn.count<string>('o.reporter_id').distinct().as('n'))
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
