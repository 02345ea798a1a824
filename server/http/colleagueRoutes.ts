import type { TemplatedApp } from 'uWebSockets.js';
import { AppError, ErrorCode } from '../../domain/errors';
import type { ModerationDeps } from '../../services/moderation';
import { addThreadColleague, removeThreadColleague } from '../../services/threadColleagues';
import { AddColleagueBody } from '../../contracts/companies';
import { jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';
import { Uuid } from '../../contracts/common';

export interface ColleagueRouteDeps extends Pick<ModerationDeps, 'db' | 'userEvents' | 'threadSignals'> {
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  now(): Date;
}

/**
 * Colleagues in hiring threads: the recruiter who owns a match's job card adds a
 * recruiter of their company, or takes one out; a colleague leaves by removing
 * themselves. Whichever node takes the request, the thread hears it on the bus.
 */
export function mountColleagueRoutes(app: TemplatedApp, deps: ColleagueRouteDeps, options: RouteOptions): void {
  const signedIn = deps.signedIn.userId;
  const matchIdOf = (call: HttpCall): string => {
    const matchId = Uuid.safeParse(call.params[0]);
    if (!matchId.success) throw new AppError(ErrorCode.MATCH_NOT_FOUND, 'no such match');
    return matchId.data;
  };

  route(app, 'post', '/me/matches/:id/colleagues', async (call) => {
    const callerId = await signedIn(call);
    const matchId = matchIdOf(call);
    const body = parseBody(AddColleagueBody, call);
    const members = await addThreadColleague(deps, { matchId, callerId, colleagueId: body.userId });
    return jsonReply(201, { matchId, members });
  }, options);

  route(app, 'del', '/me/matches/:id/colleagues/:userId', async (call) => {
    const callerId = await signedIn(call);
    const matchId = matchIdOf(call);
    const colleagueId = Uuid.safeParse(call.params[1]);
    if (!colleagueId.success) throw new AppError(ErrorCode.NOT_A_MEMBER, 'that account is not in this thread');
    const members = await removeThreadColleague(deps, { matchId, callerId, colleagueId: colleagueId.data });
    return jsonReply(200, { matchId, members });
  }, options);
}
