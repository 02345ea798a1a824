import { AppError, ErrorCode } from '../domain/errors';
import type { RateLimitedAction } from '../domain/rateLimits';

/** Takes one action from a user's bucket of that kind, wherever in the cluster the user acts. */
export interface RateLimiter {
  take(action: RateLimitedAction, userId: string): Promise<{ readonly allowed: boolean; readonly retryAfterMs: number }>;
}

/** Spends one action, or refuses with RATE_LIMITED and when to try again. */
export async function spendOrRefuse(limiter: RateLimiter, action: RateLimitedAction, userId: string): Promise<void> {
  const outcome = await limiter.take(action, userId);
  if (!outcome.allowed) {
    throw new AppError(ErrorCode.RATE_LIMITED, `too many ${action}s; try again in ${outcome.retryAfterMs} ms`, { retryAfterMs: outcome.retryAfterMs });
  }
}
