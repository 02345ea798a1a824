import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { updateAccount } from '../../db/repositories/userRepository';
import type { Database } from '../../db/types';
import { AppError, ErrorCode } from '../../domain/errors';
import { isOperatorKey } from '../auth/operatorKey';
import { AdminUserBody } from './cardContracts';
import { bearerToken, jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';

/**
 * Operator routes, for the back office and the billing system. Without
 * ADMIN_API_KEY they answer FORBIDDEN to everyone.
 */
export function mountAdminRoutes(app: TemplatedApp, deps: { db: Kysely<Database>; adminApiKey: string | undefined }, options: RouteOptions): void {
  const operator = (call: HttpCall) => {
    if (deps.adminApiKey === undefined || !isOperatorKey(bearerToken(call), deps.adminApiKey)) {
      throw new AppError(ErrorCode.FORBIDDEN, 'operator routes need the ADMIN_API_KEY bearer key');
    }
  };

  route(app, 'post', '/admin/users/:id', async (call) => {
    operator(call);
    const body = parseBody(AdminUserBody, call);
    const id = z.uuid().safeParse(call.params[0]);
    const user = id.success ? await updateAccount(deps.db, id.data, body) : undefined;
    if (!user) throw new AppError(ErrorCode.NOT_FOUND, 'no such account');
    return jsonReply(200, { userId: user.id, role: user.role, isPremium: user.isPremium });
  }, options);
}
