import type { ErrorCode } from '../domain/errors';

/** A refusal from Kismet: its stable code, its text, and when to retry if it passes with time. */
export class KismetError extends Error {
  override readonly name = 'KismetError';

  constructor(
    readonly code: ErrorCode | 'CONNECTION_CLOSED' | 'TIMEOUT',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${message}`);
  }
}

interface CodedShape {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly retryAfterMs?: unknown;
}

const asCoded = (value: unknown): CodedShape | undefined =>
  value !== null && typeof value === 'object' && typeof (value as CodedShape).code === 'string' ? (value as CodedShape) : undefined;

/**
 * Whatever a request, an HTTP call or a join threw, as a KismetError: a coded
 * body (`{code, message, retryAfterMs}`), an SDK rejection carrying one as its
 * `reason`, or a matchmaking error whose message starts with the code.
 */
export function toKismetError(error: unknown): KismetError {
  if (error instanceof KismetError) return error;
  const coded = asCoded(error) ?? asCoded((error as { reason?: unknown } | null)?.reason);
  if (coded) {
    const retry = typeof coded.retryAfterMs === 'number' ? coded.retryAfterMs : undefined;
    return new KismetError(coded.code as ErrorCode, String(coded.message ?? coded.code), retry);
  }
  const message = error instanceof Error ? error.message : String(error);
  const prefixed = /^([A-Z_]+):\s*(.*)$/s.exec(message);
  if (prefixed) return new KismetError(prefixed[1] as ErrorCode, prefixed[2]!);
  if (/closed before a response/i.test(message)) return new KismetError('CONNECTION_CLOSED', message);
  if (/timed? ?out/i.test(message)) return new KismetError('TIMEOUT', message);
  return new KismetError('INTERNAL' as ErrorCode, message);
}

/**
 * Refusals after which the sign-in is over for good, on every route and join: the log-in was
 * revoked (a log-out elsewhere, a refresh token used twice), the refresh token is dead, or the
 * account was banned or erased. Only a new log-in gets past them.
 */
export const SIGN_IN_ENDED_CODES: ReadonlySet<string> = new Set(['TOKEN_REVOKED', 'REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED', 'ACCOUNT_BANNED']);
