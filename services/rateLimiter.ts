import { AppError, ErrorCode } from '../domain/errors';
import type { RateLimitedAction } from '../domain/rateLimits';

/**
 * Takes one action from the bucket of that kind for a subject (a user, an
 * account's email, an address), wherever in the cluster it acts.
 */
export interface RateLimiter {
  take(action: RateLimitedAction, subject: string): Promise<{ readonly allowed: boolean; readonly retryAfterMs: number }>;
}

/** Spends one action, or refuses with RATE_LIMITED and when to try again. */
export async function spendOrRefuse(limiter: RateLimiter, action: RateLimitedAction, subject: string): Promise<void> {
  const outcome = await limiter.take(action, subject);
  if (!outcome.allowed) {
    throw new AppError(ErrorCode.RATE_LIMITED, `too many attempts (${action}); try again in ${outcome.retryAfterMs} ms`, { retryAfterMs: outcome.retryAfterMs });
  }
}
