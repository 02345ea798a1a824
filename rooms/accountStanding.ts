import { AppError, ErrorCode } from '../domain/errors';
import { roomServices } from './roomServices';

/**
 * Refuses a caller whose account is banned or deleted (ACCOUNT_BANNED), asked of the
 * account itself: an access token outlives its revocation on a node that never heard
 * it, or once the revocation is forgotten, and a join then would stay open for good.
 * One grouped read per node's flush (SessionLedger.accountStatus).
 */
export async function refuseClosedAccount(userId: string): Promise<void> {
  const status = await roomServices().sessions.accountStatus(userId);
  if (status === undefined || status === 'banned') throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned or deleted');
}
