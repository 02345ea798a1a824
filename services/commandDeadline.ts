import { AppError, ErrorCode, UNAVAILABLE_RETRY_AFTER_MS } from '../domain/errors';

/**
 * Settles with `work`, or after `ms` with UNAVAILABLE if it has not: a command
 * waiting on a dependency that hangs (a connection cut without a word, a Redis
 * request Colyseus never times out) is answered within the bound all the same.
 * The work may still finish later; its outcome is unknown to the client, whose
 * resend with the same ids is stored once.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError(ErrorCode.UNAVAILABLE, `${what} was not answered within ${ms} ms; retry (a resend with the same ids is stored once)`, { retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS })),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
