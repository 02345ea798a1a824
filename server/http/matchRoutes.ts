import type { TemplatedApp } from 'uWebSockets.js';
import { blockUser } from '../../db/repositories/blockRepository';
import { endMatches } from '../../db/repositories/matchRepository';
import { findThreadAccess, listThreads } from '../../db/repositories/threadRepository';
import { fileReport, reportContextHolds } from '../../db/repositories/reportRepository';
import { findUserById } from '../../db/repositories/userRepository';
import { matchStatusSeenBy } from '../../domain/blockDisclosure';
import { AppError, ErrorCode } from '../../domain/errors';
import { contextIdOf, MAX_OPEN_REPORTS_PER_REPORTER, parseReportContext, REPORT_CONTEXT_SHAPES, type ReportContext } from '../../domain/reportContext';
import { announceBlock, announceMatchesEnded, announceParted, type ModerationDeps } from '../../services/moderation';
import { spendOrRefuse, type RateLimiter } from '../../services/rateLimiter';
import { BlockBody, ReportBody } from '../../contracts/cards';
import { jsonReply, parseBody, route, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';
import { Uuid } from '../../contracts/common';
import { EventAlias } from '../../contracts/liveEvents';
import type { EventAliasKeys } from '../../services/eventAliases';

export interface MatchRouteDeps extends ModerationDeps {
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  /** The reporter's `report` bucket. */
  readonly rateLimits: RateLimiter;
  /** Reads back an alias a live event showed (a report from an event names someone by it). */
  readonly eventAliases: EventAliasKeys;
}

/** The signed-in user's matches and threads: list them, unmatch, block, report. */
export function mountMatchRoutes(app: TemplatedApp, deps: MatchRouteDeps, options: RouteOptions): void {
  const { db } = deps;
  const signedIn = deps.signedIn.userId;

  /** The account a block or report is about: someone else, who exists. */
  const otherAccount = async (userId: string, targetId: string, verb: string) => {
    if (targetId === userId) throw new AppError(ErrorCode.INVALID_BODY, `userId: you cannot ${verb} yourself`);
    if (!(await findUserById(db, targetId))) throw new AppError(ErrorCode.NOT_FOUND, 'no such account');
  };

  /** The person an alias in the reported event stands for (services/eventAliases.ts). */
  const attendeeOf = (alias: string, context: ReportContext | undefined): string => {
    const reportedId = context?.kind === 'event' ? deps.eventAliases.of(context.eventId).userOf(alias) : undefined;
    if (reportedId === undefined) throw new AppError(ErrorCode.INVALID_BODY, 'userId: an alias names an attendee in a report of its event (context event, contextId the event id)');
    return reportedId;
  };

  route(app, 'get', '/me/threads', async (call) => jsonReply(200, { threads: await listThreads(db, await signedIn(call)) }), options);

  route(app, 'del', '/me/matches/:id', async (call) => {
    const userId = await signedIn(call);
    const matchId = Uuid.safeParse(call.params[0]);
    const access = matchId.success ? await findThreadAccess(db, matchId.data, userId) : undefined;
    if (!matchId.success || !access?.isMember) throw new AppError(ErrorCode.MATCH_NOT_FOUND, 'no such match');
    if (access.role !== 'party') throw new AppError(ErrorCode.NOT_A_PARTY, 'colleagues leave a thread (DELETE /me/matches/:id/colleagues/:userId); only the matched people unmatch');
    // A block is told only to whoever made it (domain/blockDisclosure.ts).
    if (access.status !== 'active') return jsonReply(200, { matchId: matchId.data, status: matchStatusSeenBy(access.status, access.callerBlocked) });
    const outcome = await endMatches(db, { scope: { matchId: matchId.data, memberId: userId }, status: 'unmatched', at: deps.now() });
    await announceMatchesEnded(deps, outcome, 'UNMATCHED');
    await announceParted(deps, outcome.ended);
    // A block that landed first wins: report what the match is now.
    const now = outcome.ended.length > 0 ? undefined : await findThreadAccess(db, matchId.data, userId);
    const status = now ? matchStatusSeenBy(now.status, now.callerBlocked) : 'unmatched';
    return jsonReply(200, { matchId: matchId.data, status });
  }, options);

  route(app, 'post', '/reports', async (call) => {
    const userId = await signedIn(call);
    const body = { ...parseBody(ReportBody, call) };
    // Someone seen in a live event is named by their alias there: it names them in a report of that event only.
    if (EventAlias.safeParse(body.userId).success) body.userId = attendeeOf(body.userId, body.context === 'event' ? parseReportContext('event', body.contextId) : undefined);
    await otherAccount(userId, body.userId, 'report');
    const context = parseReportContext(body.context, body.contextId);
    if (!context) throw new AppError(ErrorCode.INVALID_BODY, `contextId: ${REPORT_CONTEXT_SHAPES[body.context]} for a ${body.context} report`);
    // One answer for "no such thing" and "not yours to report": ids of others' threads, calls and events stay unconfirmed.
    if (!(await reportContextHolds(db, userId, body.userId, context))) {
      throw new AppError(ErrorCode.INVALID_BODY, `contextId: no ${body.context} of yours with this person`);
    }
    const contextId = contextIdOf(context);
    // Only a report that would be stored spends from the reporter's own bucket (a refused one stores nothing).
    await spendOrRefuse(deps.rateLimits, 'report', userId);
    const outcome = await fileReport(db, { reporterId: userId, reportedId: body.userId, contextKind: body.context, contextId, reason: body.reason }, MAX_OPEN_REPORTS_PER_REPORTER);
    if ('limitReached' in outcome) {
      throw new AppError(ErrorCode.REPORT_LIMIT_REACHED, `at most ${MAX_OPEN_REPORTS_PER_REPORTER} open reports: the moderators resolve some first`);
    }
    // Another report of a person one's own open report is about is answered with it: 200, not 201, and nothing stored.
    return jsonReply(outcome.filed ? 201 : 200, { reportId: outcome.reportId });
  }, options);

  route(app, 'post', '/me/blocks', async (call) => {
    const userId = await signedIn(call);
    const body = parseBody(BlockBody, call);
    await otherAccount(userId, body.userId, 'block');
    const outcome = await blockUser(db, userId, body.userId, deps.now());
    await announceMatchesEnded(deps, outcome, 'BLOCKED', [userId]);
    await announceBlock(deps, userId, body.userId, outcome.ended);
    return jsonReply(200, { blocked: body.userId, endedMatches: outcome.ended.map((m) => m.matchId) });
  }, options);
}
