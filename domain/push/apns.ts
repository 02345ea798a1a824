import { isVisible, remainingTtlS, unsendable, type ApnsTarget, type PushNotification } from './notification';
import { outcomeOfStatus, parseRetryAfterMs, refused, retryOutcome, utf8Bytes, type PushOutcome, type Shaped } from './outcome';

/** One request to APNs' `/3/device/<token>` (HTTP/2): its path, headers and JSON body. */
export interface ApnsRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The JSON an iOS app receives: Apple's `aps` dictionary and Kismet's own keys beside it. */
export interface ApnsPayload {
  readonly aps: {
    readonly alert?: { readonly title?: string; readonly body?: string };
    readonly badge?: number;
    readonly 'content-available'?: 1;
  };
  readonly id: string;
  readonly collapseKey: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** APNs' limit on the body of a notification other than VoIP. */
export const MAX_APNS_PAYLOAD_BYTES = 4096;

/**
 * Apple's device tokens are hex, of a length Apple may change (32 bytes today):
 * checked so that a token can never reach the request path as anything else.
 */
export function isApnsDeviceToken(token: string): boolean {
  return /^(?:[0-9a-fA-F]{2}){8,200}$/.test(token);
}

/** `alert` for what the person sees (text or badge); `background` wakes the app and shows nothing. */
export function apnsPushType(notification: PushNotification): 'alert' | 'background' {
  return isVisible(notification) ? 'alert' : 'background';
}

/** 10 sends at once; 5 lets the device save power. Apple refuses 10 on a background push. */
export function apnsPriority(notification: PushNotification): '10' | '5' {
  return isVisible(notification) && notification.priority === 'high' ? '10' : '5';
}

/**
 * The request for one notification. `apnsId` is a UUID that names it in
 * APNs' answer (the provider derives it from the notification's id).
 */
export function apnsRequest(target: ApnsTarget, notification: PushNotification, topic: string, apnsId: string, nowMs: number): Shaped<ApnsRequest> {
  const cannot = unsendable(notification, nowMs);
  if (cannot) return cannot;
  if (!isApnsDeviceToken(target.token)) return { kind: 'refused', outcome: { kind: 'gone', reason: 'bad-token', detail: 'not a hex device token' } };
  const { title, body: text, badge } = notification;
  const alert = { ...(title === '' ? {} : { title }), ...(text === '' ? {} : { body: text }) };
  const payload: ApnsPayload = {
    aps: {
      ...(title === '' && text === '' ? {} : { alert }),
      ...(badge === undefined ? {} : { badge }),
      ...(isVisible(notification) ? {} : { 'content-available': 1 as const }),
    },
    id: notification.id,
    collapseKey: notification.collapseKey,
    data: notification.data,
  };
  const body = JSON.stringify(payload);
  const bytes = utf8Bytes(body);
  if (bytes > MAX_APNS_PAYLOAD_BYTES) return refused('payload-too-large', `${bytes} bytes, at most ${MAX_APNS_PAYLOAD_BYTES}`);
  return {
    kind: 'ready',
    request: {
      path: `/3/device/${target.token}`,
      headers: {
        'apns-topic': topic,
        'apns-push-type': apnsPushType(notification),
        'apns-priority': apnsPriority(notification),
        'apns-expiration': String(Math.floor(nowMs / 1000) + remainingTtlS(notification.expiresAtMs, nowMs)),
        'apns-collapse-id': notification.collapseKey,
        'apns-id': apnsId,
      },
      body,
    },
  };
}

/** Reasons for which a new provider token (and one more attempt) may help. */
export const APNS_STALE_TOKEN_REASONS: readonly string[] = ['ExpiredProviderToken', 'InvalidProviderToken'];

function reasonOf(body: string): string | undefined {
  try {
    const reason = (JSON.parse(body) as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' ? reason : undefined;
  } catch {
    // Not JSON: the status alone decides.
    return undefined;
  }
}

/**
 * APNs' answer: 200 delivered (its `apns-id`); `BadDeviceToken` and 410
 * (`Unregistered`, `ExpiredToken`) gone; 429 and 5xx retried; a provider token
 * refused fails as credentials (the provider renews it once before answering).
 */
export function classifyApnsResponse(status: number, body: string, apnsId: string | undefined, retryAfter: string | undefined, nowMs: number): PushOutcome {
  if (status === 200) return apnsId === undefined ? { kind: 'delivered' } : { kind: 'delivered', providerId: apnsId };
  const reason = reasonOf(body);
  const detail = reason ?? String(status);
  const retryAfterMs = parseRetryAfterMs(retryAfter, nowMs);
  if (status === 410) return { kind: 'gone', reason: 'unregistered', detail };
  switch (reason) {
    case 'BadDeviceToken':
      return { kind: 'gone', reason: 'bad-token', detail };
    case 'DeviceTokenNotForTopic':
    case 'TopicDisallowed':
    case 'BadTopic':
      return { kind: 'failed', reason: 'wrong-app', detail };
    case 'TooManyProviderTokenUpdates':
    case 'TooManyRequests':
      return retryOutcome('rate-limited', retryAfterMs, detail);
    case 'PayloadTooLarge':
      return { kind: 'failed', reason: 'payload-too-large', detail };
    default:
      return outcomeOfStatus(status, retryAfterMs, detail);
  }
}

/** Apple refuses provider tokens older than an hour: a new one is made well before. */
export const APNS_TOKEN_RENEW_AFTER_MS = 50 * 60_000;
/** Apple refuses new provider tokens more often than every 20 minutes (TooManyProviderTokenUpdates). */
export const APNS_TOKEN_MIN_LIFE_MS = 20 * 60_000;

/**
 * Whether the provider token issued at `issuedAtMs` must be replaced: it is
 * due, or APNs just called it stale and it has lived long enough to change
 * (a younger one refused is a wrong key or clock, which a new token would not mend).
 */
export function apnsTokenNeedsRenewal(issuedAtMs: number, nowMs: number, refusedByApns: boolean): boolean {
  const ageMs = nowMs - issuedAtMs;
  return ageMs >= APNS_TOKEN_RENEW_AFTER_MS || ageMs < 0 || (refusedByApns && ageMs >= APNS_TOKEN_MIN_LIFE_MS);
}
