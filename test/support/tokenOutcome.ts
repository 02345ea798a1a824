import assert from 'node:assert/strict';
import { AppError } from '../../domain/errors';
import type { AccessTokenService } from '../../server/auth/accessTokens';

/** The code a token's verification at `nowS` (seconds since the epoch) is refused with, or 'ok'. */
export async function tokenOutcome(service: AccessTokenService, token: string, nowS: number): Promise<string> {
  try {
    await service.verify(token, nowS);
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return error.code;
  }
}
