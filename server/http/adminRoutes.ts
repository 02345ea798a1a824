import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { listMatchIds } from '../../db/repositories/matchRepository';
import { updateAccount } from '../../db/repositories/userRepository';
import type { ThreadSignalBus, UserEventBus } from '../../rooms/topicBus';
import type { Database } from '../../db/types';
import { AppError, ErrorCode } from '../../domain/errors';
import { isOperatorKey } from '../auth/operatorKey';
import { AdminUserBody } from './cardContracts';
import { bearerToken, jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';

export interface AdminRouteDeps {
  readonly db: Kysely<Database>;
  readonly adminApiKey: string | undefined;
  readonly userEvents: UserEventBus;
  readonly threadSignals: ThreadSignalBus;
}

/**
 * Operator routes, for the back office, moderators and the billing system.
 * Without ADMIN_API_KEY they answer FORBIDDEN to everyone.
 */
export function mountAdminRoutes(app: TemplatedApp, deps: AdminRouteDeps, options: RouteOptions): void {
  const operator = (call: HttpCall) => {
    if (!isOperatorKey(bearerToken(call), deps.adminApiKey)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'operator routes need the ADMIN_API_KEY bearer key');
    }
  };

  route(app, 'post', '/admin/users/:id', async (call) => {
    operator(call);
    const body = parseBody(AdminUserBody, call);
    const id = z.uuid().safeParse(call.params[0]);
    const user = id.success ? await updateAccount(deps.db, id.data, body) : undefined;
    if (!user) throw new AppError(ErrorCode.NOT_FOUND, 'no such account');
    if (body.banned === true) {
      // Stored first, so nothing closed here can join again; then every connection goes, on every node.
      deps.userEvents.publish(user.id, { kind: 'revoked' });
      for (const matchId of await listMatchIds(deps.db, user.id)) deps.threadSignals.publish(matchId, { kind: 'revoked', userId: user.id });
    }
    return jsonReply(200, { userId: user.id, role: user.role, isPremium: user.isPremium, banned: user.status === 'banned' });
  }, options);
}
