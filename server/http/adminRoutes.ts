import type { TemplatedApp } from 'uWebSockets.js';
import { appendAudit, listAudit } from '../../db/repositories/auditRepository';
import { listReports } from '../../db/repositories/reportRepository';
import { leaveRecruiting } from '../../db/repositories/companyRepository';
import { updateAccount } from '../../db/repositories/userRepository';
import { liftEmailSanctions } from '../../db/repositories/sanctionedEmailRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { announceCompanyExit } from '../../services/companyExit';
import { announceBan, announceStanding, endSessionsOfBanned, withdrawOwner, type ModerationDeps } from '../../services/moderation';
import { resolveReport, setVerified } from '../../services/moderationDesk';
import { isOperatorKey } from '../auth/operatorKey';
import { AdminUserBody } from '../../contracts/cards';
import { AuditQuery, ReportListQuery, ResolveReportBody, VerifyBody, type AuditEntry, type ReportView } from '../../contracts/moderation';
import { bearerToken, jsonReply, parseBody, parseQuery, route, type HttpCall, type RouteOptions } from './uwsHttp';
import { Uuid } from '../../contracts/common';

export interface AdminRouteDeps extends ModerationDeps {
  readonly adminApiKey: string | undefined;
}

/**
 * Operator routes, for the back office, moderators and the billing system: account
 * changes, the moderation desk (reports, verification) and its audit log. Every
 * change is written to the append-only audit log with what it changed.
 * Without ADMIN_API_KEY they answer FORBIDDEN to everyone.
 */
export function mountAdminRoutes(app: TemplatedApp, deps: AdminRouteDeps, options: RouteOptions): void {
  const operator = (call: HttpCall) => {
    if (!isOperatorKey(bearerToken(call), deps.adminApiKey)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'operator routes need the ADMIN_API_KEY bearer key');
    }
  };
  const idParam = (call: HttpCall, what: string): string => {
    const id = Uuid.safeParse(call.params[0]);
    if (!id.success) throw new AppError(ErrorCode.NOT_FOUND, `no such ${what}`);
    return id.data;
  };

  route(app, 'post', '/admin/users/:id', async (call) => {
    operator(call);
    const { note, ...body } = parseBody(AdminUserBody, call);
    const userId = idParam(call, 'account');
    const changed = await deps.db.transaction().execute(async (tx) => {
      // No longer a recruiter: out of the company, and its jobs with them, as the role changes.
      const withdrawnCardIds = body.role === undefined ? [] : await leaveRecruiting(tx, userId, body.role);
      const account = await updateAccount(tx, userId, body);
      // On an erased account's id: lifts what its erasure kept on its email (sanctionedEmailRepository.ts).
      if (account) await liftEmailSanctions(tx, userId, { ban: body.banned === false, shadowBan: body.shadowBanned === false });
      if (account && body.banned === true) await endSessionsOfBanned(tx, userId, deps.now());
      if (account) await appendAudit(tx, { action: 'user.update', targetKind: 'user', targetId: userId, detail: { ...body, ...(note ? { note } : {}) }, at: deps.now() });
      return account && { account, withdrawnCardIds };
    });
    if (!changed) throw new AppError(ErrorCode.NOT_FOUND, 'no such account');
    const user = changed.account;
    if (body.banned === true) await announceBan(deps, user.id);
    if (body.shadowBanned !== undefined) await announceStanding(deps, user.id, user.shadowBanned);
    if (body.banned === true || body.shadowBanned === true) await withdrawOwner(deps, user.id);
    // As when an operator takes them out of the company; told again, it finishes what an interrupted call left.
    if (body.role !== undefined && body.role !== 'recruiter') await announceCompanyExit(deps, user.id, changed.withdrawnCardIds);
    return jsonReply(200, {
      userId: user.id,
      role: user.role,
      isPremium: user.isPremium,
      banned: user.status === 'banned',
      shadowBanned: user.shadowBanned,
    });
  }, options);

  route(app, 'post', '/admin/users/:id/verified', async (call) => {
    operator(call);
    const body = parseBody(VerifyBody, call);
    const userId = idParam(call, 'account');
    if (!(await setVerified(deps, userId, body.verified, body.note))) throw new AppError(ErrorCode.NOT_FOUND, 'no such account');
    return jsonReply(200, { userId, verified: body.verified });
  }, options);

  route(app, 'get', '/admin/reports', async (call) => {
    operator(call);
    const query = parseQuery(ReportListQuery, call);
    const reports = await listReports(deps.db, { ...query, contextKind: query.context });
    const views: ReportView[] = reports.map((r) => ({
      reportId: r.id,
      reporterId: r.reporterId,
      reportedId: r.reportedId,
      context: r.contextKind,
      contextId: r.contextId,
      reason: r.reason,
      createdAt: r.createdAt.toISOString(),
      status: r.status,
      openAgainstReported: r.openAgainstReported,
      resolvedAt: r.resolvedAt?.toISOString() ?? null,
      resolution: r.resolution as ReportView['resolution'],
      note: r.note,
    }));
    const next = views.length === query.limit ? query.offset + query.limit : null;
    return jsonReply(200, { reports: views, nextOffset: next });
  }, options);

  route(app, 'post', '/admin/reports/:id/resolve', async (call) => {
    operator(call);
    const body = parseBody(ResolveReportBody, call);
    const reportId = idParam(call, 'report');
    return jsonReply(200, await resolveReport(deps, reportId, body));
  }, options);

  route(app, 'get', '/admin/audit', async (call) => {
    operator(call);
    const query = parseQuery(AuditQuery, call);
    const entries = await listAudit(deps.db, query);
    const views: AuditEntry[] = entries.map((e) => ({ ...e, at: e.at.toISOString() }));
    return jsonReply(200, { entries: views, before: views.length === query.limit ? views[views.length - 1]!.id : null });
  }, options);
}
