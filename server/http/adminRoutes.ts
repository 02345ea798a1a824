import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { updateAccount } from '../../db/repositories/userRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { announceBan, announceStanding, withdrawOwner, type ModerationDeps } from '../../services/moderation';
import { isOperatorKey } from '../auth/operatorKey';
import { AdminUserBody } from '../../contracts/cards';
import { bearerToken, jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';

export interface AdminRouteDeps extends ModerationDeps {
  readonly adminApiKey: string | undefined;
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
    if (body.banned === true) await announceBan(deps, user.id);
    if (body.shadowBanned !== undefined) await announceStanding(deps, user.id, user.shadowBanned);
    if (body.banned === true || body.shadowBanned === true) await withdrawOwner(deps, user.id);
    return jsonReply(200, {
      userId: user.id,
      role: user.role,
      isPremium: user.isPremium,
      banned: user.status === 'banned',
      shadowBanned: user.shadowBanned,
    });
  }, options);
}
