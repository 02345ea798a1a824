import { SignJWT } from 'jose';
import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '../../server/auth/accessTokens';

export type ForgeableClaim = 'iss' | 'aud' | 'sid';

/**
 * An access token signed with the test nodes' own secret, with the times given (seconds since
 * epoch) and without the claims named in `without`: what the server itself never signs (a token
 * dated ahead, one without a log-in session), to see how a node answers it.
 */
export function tokenAt(userId: string, iatS: number, expS: number, without: readonly ForgeableClaim[] = []): Promise<string> {
  const claims: Record<string, unknown> = { sub: userId, sid: 'a-log-in', iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE, iat: iatS, exp: expS };
  for (const claim of without) delete claims[claim];
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(HARNESS_JWT_SECRET));
}
