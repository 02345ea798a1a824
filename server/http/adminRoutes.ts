import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { listMatchIds } from '../../db/repositories/matchRepository';
import { endCallsOfMatches, type MediaRoomControl } from '../../services/calls';
import { updateAccount } from '../../db/repositories/userRepository';
import { WITHDRAWALS_TOPIC, type ThreadSignalBus, type UserEventBus, type WithdrawalBus } from '../../services/topicBus';
import type { Database } from '../../db/types';
import { AppError, ErrorCode } from '../../domain/errors';
import { isOperatorKey } from '../auth/operatorKey';
import type { NodeMetrics } from '../metrics';
import { AdminUserBody } from '../../contracts/cards';
import { bearerToken, jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';

export interface AdminRouteDeps {
  readonly db: Kysely<Database>;
  readonly adminApiKey: string | undefined;
  readonly userEvents: UserEventBus;
  readonly threadSignals: ThreadSignalBus;
  readonly withdrawals: WithdrawalBus;
  readonly metrics: NodeMetrics;
  readonly now: () => Date;
  /** Closes the media room of a call ended here; absent without a LiveKit server. */
  readonly mediaRooms?: MediaRoomControl | undefined;
  /** Refuses a banned account's access tokens on every node at once. */
  readonly revocations: { revokeUser(userId: string): Promise<void> };
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
      // Stored first, so nothing closed here can join again; then their access tokens stop working
      // and every connection goes, on every node, and a call they are in ends for the other person too.
      await deps.revocations.revokeUser(user.id);
      deps.userEvents.publish(user.id, { kind: 'revoked' });
      const matchIds = await listMatchIds(deps.db, user.id);
      for (const matchId of matchIds) deps.threadSignals.publish(matchId, { kind: 'revoked', userId: user.id });
      await endCallsOfMatches(deps, matchIds, 'account_banned');
    }
    if (body.shadowBanned !== undefined) {
      // Stored first, so an actor starting now reads it; the live ones hear it here. Awaited: it holds once answered.
      const standing = { userId: user.id, shadowBanned: user.shadowBanned };
      const matchIds = await listMatchIds(deps.db, user.id);
      await Promise.all([
        deps.userEvents.publish(user.id, { kind: 'standing', shadowBanned: user.shadowBanned }),
        ...matchIds.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'standing', ...standing })),
      ]);
    }
    if (body.banned === true || body.shadowBanned === true) await deps.withdrawals.publish(WITHDRAWALS_TOPIC, { kind: 'owner', userId: user.id });
    return jsonReply(200, {
      userId: user.id,
      role: user.role,
      isPremium: user.isPremium,
      banned: user.status === 'banned',
      shadowBanned: user.shadowBanned,
    });
  }, options);
}
