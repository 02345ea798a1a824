import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { findProgress } from '../../db/repositories/progressRepository';
import type { Database } from '../../db/types';
import { progressView, utcDay } from '../../domain/progress';
import type { ProgressResponse } from '../../contracts/progress';
import type { AccessTokenService } from '../auth/accessTokens';
import { bearerToken, jsonReply, route, type RouteOptions } from './uwsHttp';

export interface ProgressRouteDeps {
  readonly db: Kysely<Database>;
  readonly accessTokens: AccessTokenService;
  readonly now: () => Date;
}

/** The signed-in user's progress: XP, level, and today's quests. */
export function mountProgressRoutes(app: TemplatedApp, deps: ProgressRouteDeps, options: RouteOptions): void {
  route(app, 'get', '/me/progress', async (call) => {
    const { userId } = await deps.accessTokens.verify(bearerToken(call));
    const day = utcDay(deps.now().getTime());
    const { xp, counts } = await findProgress(deps.db, userId, day);
    const body: ProgressResponse = progressView(xp, day, counts);
    return jsonReply(200, body);
  }, options);
}
