/**
 * What became of one push, as the outbox needs to know it: done, drop the
 * target, try again later, or give up. Every provider answers with one of these
 * and never throws for an answer of its service.
 */
export type PushOutcome =
  | {
      readonly kind: 'delivered';
      /** The service's id for it (an `apns-id`, an FCM message name, a Web Push message URL), for logs. */
      readonly providerId?: string;
    }
  /** The target is dead for good: delete it, and send it nothing more. */
  | { readonly kind: 'gone'; readonly reason: PushGoneReason; readonly detail?: string }
  /** Worth another attempt: not before `afterMs` when the service said so (Retry-After). */
  | { readonly kind: 'retry'; readonly reason: PushRetryReason; readonly afterMs?: number; readonly detail?: string }
  /** Another attempt would be refused the same way: dead-letter it with the reason. */
  | { readonly kind: 'failed'; readonly reason: PushFailureReason; readonly detail?: string };

/** Stable reasons (metric labels); `detail` carries the service's own words. */
export type PushGoneReason =
  /** The device or browser unsubscribed, or the app was removed. */
  | 'unregistered'
  /** The token or subscription can never be delivered to (malformed, or of another environment). */
  | 'bad-token';

export type PushRetryReason = 'rate-limited' | 'unavailable' | 'timeout' | 'network';

export type PushFailureReason =
  /** Its expiry passed before it could be sent. */
  | 'expired'
  | 'payload-too-large'
  /** The service refused the request as malformed: a bug of ours, not the target's. */
  | 'bad-request'
  /** The service refused our credentials (VAPID key, OAuth2 token, provider token): a configuration problem. */
  | 'credentials-refused'
  /** The target belongs to another app (APNs topic, FCM sender). */
  | 'wrong-app'
  | 'unexpected-status';

export type PushOutcomeKind = PushOutcome['kind'];

export const DELIVERED: PushOutcome = Object.freeze({ kind: 'delivered' });

/**
 * A `Retry-After` header in milliseconds from `nowMs`: delta-seconds or an
 * HTTP-date (RFC 9110 §10.2.3). A date in the past gives 0; anything else,
 * undefined.
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names its weekday and zone; a bare number with a sign or a fraction is no date.
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const atMs = Date.parse(text);
  return Number.isNaN(atMs) ? undefined : Math.max(0, atMs - nowMs);
}

/** A retry outcome, carrying the service's wait only when it gave one. */
export function retryOutcome(reason: PushRetryReason, afterMs: number | undefined, detail?: string): PushOutcome {
  return {
    kind: 'retry',
    reason,
    ...(afterMs === undefined ? {} : { afterMs }),
    ...(detail === undefined ? {} : { detail }),
  };
}

/**
 * The outcome an HTTP status alone implies, for answers that carry no code of
 * their own: 2xx delivered, 408/429/5xx retried, the rest failed. Gone targets
 * are never guessed from a status alone here: each platform says how it names them.
 */
export function outcomeOfStatus(status: number, retryAfterMs: number | undefined, detail = String(status)): PushOutcome {
  if (status >= 200 && status < 300) return DELIVERED;
  if (status === 429) return retryOutcome('rate-limited', retryAfterMs, detail);
  if (status === 408) return retryOutcome('timeout', retryAfterMs, detail);
  if (status >= 500) return retryOutcome('unavailable', retryAfterMs, detail);
  if (status === 413) return { kind: 'failed', reason: 'payload-too-large', detail };
  if (status === 401 || status === 403) return { kind: 'failed', reason: 'credentials-refused', detail };
  if (status === 400) return { kind: 'failed', reason: 'bad-request', detail };
  return { kind: 'failed', reason: 'unexpected-status', detail };
}

/** A platform's request for one notification, or the outcome that makes sending it pointless. */
export type Shaped<T> = { readonly kind: 'ready'; readonly request: T } | { readonly kind: 'refused'; readonly outcome: PushOutcome };

export function refused(reason: PushFailureReason, detail: string): { kind: 'refused'; outcome: PushOutcome } {
  return { kind: 'refused', outcome: { kind: 'failed', reason, detail } };
}

/** UTF-8 length, the unit of every platform's payload limit. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
