import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { findProgress } from '../../db/repositories/progressRepository';
import type { Database } from '../../db/types';
import { progressView, utcDay } from '../../domain/progress';
import type { ProgressResponse } from '../../contracts/progress';
import { jsonReply, route, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';

export interface ProgressRouteDeps {
  readonly db: Kysely<Database>;
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  readonly now: () => Date;
}

/** The signed-in user's progress: XP, level, and today's quests. */
export function mountProgressRoutes(app: TemplatedApp, deps: ProgressRouteDeps, options: RouteOptions): void {
  route(app, 'get', '/me/progress', async (call) => {
    const userId = await deps.signedIn.userId(call);
    const day = utcDay(deps.now().getTime());
    const { xp, counts } = await findProgress(deps.db, userId, day);
    const body: ProgressResponse = progressView(xp, day, counts);
    return jsonReply(200, body);
  }, options);
}
