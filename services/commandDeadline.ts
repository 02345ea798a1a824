import { AppError, ErrorCode, UNAVAILABLE_RETRY_AFTER_MS } from '../domain/errors';

/**
 * Settles with `work`, or after `ms` with UNAVAILABLE if it has not: a command
 * waiting on a dependency that hangs (a connection cut without a word, a Redis
 * request Colyseus never times out) is answered within the bound all the same.
 * The work may still finish later; its outcome is unknown to the client, whose
 * resend with the same ids is stored once.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return settleWithin(
    work,
    ms,
    () => new AppError(ErrorCode.UNAVAILABLE, `${what} was not answered within ${ms} ms; retry (a resend with the same ids is stored once)`, { retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS }),
  );
}

/**
 * Settles with `work`, or after `ms` with the error `late` makes, whichever comes
 * first. Every command runs through here (thousands a second): one promise and one
 * timer each, without `Promise.race` and `finally`, which cost several more objects
 * per command to collect.
 */
export function settleWithin<T>(work: Promise<T>, ms: number, late: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(late()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
