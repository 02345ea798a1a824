import { z } from 'zod';
import { Uuid } from './common';

/** Bodies, queries and answers of the moderation desk (`/admin/reports`, `/admin/audit`, verification). */
export const REPORT_PAGE_DEFAULT = 50;
export const REPORT_PAGE_MAX = 200;
export const AUDIT_PAGE_MAX = 200;

const pageLimit = (max: number) => z.coerce.number().int().min(1).max(max);

/**
 * `GET /admin/reports?status=&reportedId=&reporterId=&context=&limit=&offset=`: people with the
 * most open reports against them first, then the oldest report first.
 */
export const ReportListQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  reportedId: Uuid.optional(),
  reporterId: Uuid.optional(),
  context: z.enum(['profile', 'message', 'call', 'event']).optional(),
  limit: pageLimit(REPORT_PAGE_MAX).default(REPORT_PAGE_DEFAULT),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ReportListQuery = z.infer<typeof ReportListQuery>;

export const RESOLUTION_ACTIONS = ['dismiss', 'warn', 'shadow_ban', 'ban', 'remove_message', 'remove_card'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

/**
 * `POST /admin/reports/:id/resolve`: what the operator does about an open report, and why.
 * `remove_message` takes the report's message (`<matchId>:<seq>`) and `remove_card` its card.
 */
export const ResolveReportBody = z.strictObject({
  action: z.enum(RESOLUTION_ACTIONS),
  note: z.string().trim().min(1).max(2000),
});
export type ResolveReportBody = z.infer<typeof ResolveReportBody>;

/** `POST /admin/users/:id/verified`: set or clear the account's verification (every card of it). */
export const VerifyBody = z.strictObject({ verified: z.boolean(), note: z.string().trim().min(1).max(2000).optional() });
export type VerifyBody = z.infer<typeof VerifyBody>;

/** `GET /admin/audit?limit=&before=`: newest first; `before` is the id of the last entry of the previous page. */
export const AuditQuery = z.strictObject({
  limit: pageLimit(AUDIT_PAGE_MAX).default(50),
  before: z.string().regex(/^[1-9][0-9]{0,17}$/, 'before: an audit entry id').optional(),
  targetId: z.string().min(1).max(120).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export interface ReportView {
  readonly reportId: string;
  readonly reporterId: string;
  readonly reportedId: string;
  readonly context: 'profile' | 'message' | 'call' | 'event';
  readonly contextId: string | null;
  readonly reason: string;
  readonly createdAt: string;
  readonly status: 'open' | 'resolved';
  /** People with an open report against the reported account (one person's many count once): the desk's first sort key. */
  readonly openAgainstReported: number;
  readonly resolvedAt: string | null;
  readonly resolution: ResolutionAction | null;
  readonly note: string | null;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly action: string;
  readonly targetKind: string;
  readonly targetId: string;
  readonly detail: Record<string, unknown>;
}
