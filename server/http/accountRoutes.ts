import type { TemplatedApp } from 'uWebSockets.js';
import { exportAccount } from '../../db/repositories/accountExportRepository';
import { eraseAccount } from '../../db/repositories/accountErasureRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { announceErasure, announceErasureAgain } from '../../services/erasureAnnouncements';
import type { ModerationDeps } from '../../services/moderation';
import { spendOrRefuse, type RateLimiter } from '../../services/rateLimiter';
import type { AuthService } from '../auth/authService';
import { DeleteAccountBody } from '../../contracts/auth';
import { jsonReply, parseBody, route, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';
import { rateLimitAddress } from './clientAddress';

export interface AccountRouteDeps extends ModerationDeps {
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  readonly auth: Pick<AuthService, 'confirmPassword' | 'emailKeyOf'>;
  readonly rateLimits: RateLimiter;
}

/** A person's own account: export everything it holds, or delete it. */
export function mountAccountRoutes(app: TemplatedApp, deps: AccountRouteDeps, options: RouteOptions): void {
  const signedIn = deps.signedIn.userId;
  const gone = () => new AppError(ErrorCode.TOKEN_INVALID, 'this account no longer exists');

  route(app, 'get', '/me/export', async (call) => {
    const userId = await signedIn(call);
    // It reads everything the account holds: a few at once, then one every ten minutes.
    await spendOrRefuse(deps.rateLimits, 'account.export', userId);
    const data = await exportAccount(deps.db, userId);
    if (!data) throw gone();
    return jsonReply(200, { exportedAt: deps.now().toISOString(), ...data });
  }, options);

  route(app, 'del', '/me', async (call) => {
    const userId = await signedIn(call);
    const body = parseBody(DeleteAccountBody, call);
    // The password check costs a hash and answers a guess: counted as log-ins are.
    await spendOrRefuse(deps.rateLimits, 'login.account', `delete ${userId} ${rateLimitAddress(call.remoteAddress)}`);
    const deleted = () => jsonReply(200, { userId, deleted: true });
    // Erased already (by this person's call whose answer was lost, or whose node stopped or failed
    // before the cluster was told, so its tokens still work here): its password went with it, and
    // the retry tells what is still owed.
    const erasedBefore = () => announceErasureAgain(deps, userId);
    if (!(await deps.auth.confirmPassword(userId, body.password))) {
      if (await erasedBefore()) return deleted();
      throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'wrong password');
    }
    const erased = await eraseAccount(deps.db, userId, deps.now(), deps.auth.emailKeyOf);
    if (!erased) {
      if (await erasedBefore()) return deleted();
      throw gone();
    }
    // Deleted all the same: what is left of others' writes is swept by the retention job's next round.
    if (erased.sweepFailure !== undefined) options.onError(erased.sweepFailure);
    await announceErasure(deps, userId, erased);
    return deleted();
  }, options);
}
