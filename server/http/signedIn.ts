import { spendOrRefuse, type RateLimiter } from '../../services/rateLimiter';
import type { AccessTokenClaims, AccessTokenService } from '../auth/accessTokens';
import { bearerToken, type HttpCall } from './uwsHttp';

/** The claims of the person who signed an HTTP call, or a coded refusal. */
export type SignedIn = (call: HttpCall) => Promise<AccessTokenClaims>;

/**
 * A call's bearer token, verified, and one of its person's HTTP calls spent
 * (`request`, shared by their devices on every node): past the bucket the call is
 * refused with RATE_LIMITED before it reads or writes anything.
 */
export function signedInCaller(accessTokens: Pick<AccessTokenService, 'verify'>, rateLimits: RateLimiter): SignedIn {
  return async (call) => {
    const claims = await accessTokens.verify(bearerToken(call));
    await spendOrRefuse(rateLimits, 'request', claims.userId);
    return claims;
  };
}
