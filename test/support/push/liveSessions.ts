import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { insertRefreshToken } from '../../../db/repositories/refreshTokenRepository';
import type { Database } from '../../../db/types';

/**
 * A log-in session of `userId`, as a sign-in leaves it (one unspent refresh token of a family
 * of its own), live until `expiresAt`: what a push target needs to be pushed. Its id.
 */
export async function liveSession(db: Kysely<Database>, userId: string, expiresAt = new Date(Date.now() + 3_600_000)): Promise<string> {
  const sessionId = randomUUID();
  await insertRefreshToken(db, { id: randomUUID(), userId, familyId: sessionId, tokenHash: randomBytes(32).toString('base64url'), expiresAt });
  return sessionId;
}
