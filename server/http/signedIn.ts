import { spendOrRefuse, type RateLimiter } from '../../services/rateLimiter';
import type { AccessTokenClaims, AccessTokenService } from '../auth/accessTokens';
import { bearerToken, type HttpCall } from './uwsHttp';

/** Who signed an HTTP call (its claims, or only its person), or a coded refusal. */
export interface SignedIn {
  claims(call: HttpCall): Promise<AccessTokenClaims>;
  userId(call: HttpCall): Promise<string>;
}

/**
 * A call's bearer token, verified, and one of its person's HTTP calls spent
 * (`request`, shared by their devices on every node): past the bucket the call is
 * refused with RATE_LIMITED before it reads or writes anything.
 */
export function signedInCaller(accessTokens: Pick<AccessTokenService, 'verify'>, rateLimits: RateLimiter): SignedIn {
  const claims = async (call: HttpCall) => {
    const verified = await accessTokens.verify(bearerToken(call));
    await spendOrRefuse(rateLimits, 'request', verified.userId);
    return verified;
  };
  return { claims, userId: async (call) => (await claims(call)).userId };
}
