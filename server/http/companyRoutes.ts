import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { appendAudit } from '../../db/repositories/auditRepository';
import { addCompanyMember, findCompany, findCompanyOf, insertCompany, removeCompanyMember } from '../../db/repositories/companyRepository';
import type { Database } from '../../db/types';
import { AppError, ErrorCode } from '../../domain/errors';
import { isOperatorKey } from '../auth/operatorKey';
import { CreateCompanyBody } from '../../contracts/companies';
import type { ModerationDeps } from '../../services/moderation';
import { announceCompanyExit } from '../../services/companyExit';
import { bearerToken, jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';
import { Uuid } from '../../contracts/common';

export interface CompanyRouteDeps extends Pick<ModerationDeps, 'userEvents' | 'threadSignals' | 'withdrawals'> {
  readonly db: Kysely<Database>;
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  readonly adminApiKey: string | undefined;
  now(): Date;
}

/**
 * Companies: sets of recruiter accounts, kept by operators (a company is onboarded
 * and its recruiters vouched for outside Kismet), each change in the audit log.
 * A recruiter reads their own company, to know whom they may add to a hiring thread.
 */
export function mountCompanyRoutes(app: TemplatedApp, deps: CompanyRouteDeps, options: RouteOptions): void {
  const { db } = deps;
  const operator = (call: HttpCall) => {
    if (!isOperatorKey(bearerToken(call), deps.adminApiKey)) throw new AppError(ErrorCode.FORBIDDEN, 'operator routes need the ADMIN_API_KEY bearer key');
  };
  const ids = (call: HttpCall): { companyId: string; userId: string | undefined } => {
    const [companyId, userId] = [Uuid.safeParse(call.params[0]), call.params[1] === undefined ? undefined : Uuid.safeParse(call.params[1])];
    if (!companyId.success) throw new AppError(ErrorCode.NOT_FOUND, 'no such company');
    if (userId && !userId.success) throw new AppError(ErrorCode.NOT_FOUND, 'no such account');
    return { companyId: companyId.data, userId: userId?.data };
  };
  const answer = async (status: number, companyId: string) => {
    const company = await findCompany(db, companyId);
    if (!company) throw new AppError(ErrorCode.NOT_FOUND, 'no such company');
    return jsonReply(status, company);
  };

  route(app, 'post', '/admin/companies', async (call) => {
    operator(call);
    const body = parseBody(CreateCompanyBody, call);
    const id = randomUUID();
    await db.transaction().execute(async (tx) => {
      await insertCompany(tx, { id, name: body.name, at: deps.now() });
      await appendAudit(tx, { action: 'company.create', targetKind: 'company', targetId: id, detail: { name: body.name }, at: deps.now() });
    });
    return answer(201, id);
  }, options);

  route(app, 'put', '/admin/companies/:id/members/:userId', async (call) => {
    operator(call);
    const { companyId, userId } = ids(call);
    const outcome = await db.transaction().execute(async (tx) => {
      const added = await addCompanyMember(tx, companyId, userId!, deps.now());
      if (added.kind === 'added') await appendAudit(tx, { action: 'company.member.add', targetKind: 'company', targetId: companyId, detail: { userId }, at: deps.now() });
      return added;
    });
    if (outcome.kind === 'refused') throw new AppError(outcome.code, outcome.message);
    return answer(200, companyId);
  }, options);

  route(app, 'del', '/admin/companies/:id/members/:userId', async (call) => {
    operator(call);
    const { companyId, userId } = ids(call);
    const removed = await db.transaction().execute(async (tx) => {
      const gone = await removeCompanyMember(tx, companyId, userId!);
      if (gone) await appendAudit(tx, { action: 'company.member.remove', targetKind: 'company', targetId: companyId, detail: { userId }, at: deps.now() });
      return gone;
    });
    if (!removed && !(await findCompany(db, companyId))) throw new AppError(ErrorCode.NOT_FOUND, 'no such company');
    // Out of the company, out of its decks and hiring threads; a retry of this call finishes what a crash left.
    if ((await findCompanyOf(db, userId!))?.companyId !== companyId) await announceCompanyExit({ ...deps, db }, userId!, removed?.withdrawnCardIds ?? []);
    return answer(200, companyId);
  }, options);

  route(app, 'get', '/me/company', async (call) => {
    const userId = await deps.signedIn.userId(call);
    const company = await findCompanyOf(db, userId);
    if (!company) throw new AppError(ErrorCode.NOT_FOUND, 'your account belongs to no company');
    return jsonReply(200, company);
  }, options);
}
