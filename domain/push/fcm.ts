import { apnsPriority, apnsPushType } from './apns';
import { isVisible, remainingTtlS, unsendable, type FcmTarget, type PushNotification } from './notification';
import { outcomeOfStatus, parseRetryAfterMs, refused, retryOutcome, utf8Bytes, type PushOutcome, type Shaped } from './outcome';

/**
 * An FCM HTTP v1 `Message` (projects.messages resource), with the overrides for
 * Android, and for the iOS and web apps that also receive through FCM.
 * FCM wants every data value as a string: the notification's JSON data goes
 * whole in `data.payload`.
 */
export interface FcmMessage {
  readonly token: string;
  readonly notification?: { readonly title?: string; readonly body?: string };
  readonly data: Readonly<Record<string, string>>;
  readonly android: {
    readonly priority: 'NORMAL' | 'HIGH';
    /** Duration in seconds, as protobuf JSON writes it: `"3600s"`. */
    readonly ttl: string;
    readonly collapse_key: string;
    readonly notification?: { readonly tag: string; readonly notification_count?: number };
  };
  readonly apns: {
    readonly headers: Readonly<Record<string, string>>;
    readonly payload: { readonly aps: Readonly<Record<string, number>> };
  };
  readonly webpush: { readonly headers: Readonly<Record<string, string>> };
}

/** FCM's limit on a message's data and notification (both message kinds). */
export const MAX_FCM_PAYLOAD_BYTES = 4096;

export function fcmMessage(target: FcmTarget, notification: PushNotification, nowMs: number): Shaped<FcmMessage> {
  const cannot = unsendable(notification, nowMs);
  if (cannot) return cannot;
  if (target.token === '') return { kind: 'refused', outcome: { kind: 'gone', reason: 'bad-token', detail: 'empty token' } };
  const ttlS = remainingTtlS(notification.expiresAtMs, nowMs);
  const { title, body, badge, collapseKey } = notification;
  const shown = title !== '' || body !== '';
  const data: Record<string, string> = { id: notification.id, collapseKey, payload: JSON.stringify(notification.data) };
  if (badge !== undefined) data['badge'] = String(badge);
  const text = { ...(title === '' ? {} : { title }), ...(body === '' ? {} : { body }) };
  const bytes = utf8Bytes(JSON.stringify({ data, ...(shown ? { notification: text } : {}) }));
  if (bytes > MAX_FCM_PAYLOAD_BYTES) return refused('payload-too-large', `${bytes} bytes, at most ${MAX_FCM_PAYLOAD_BYTES}`);
  const aps: Record<string, number> = {};
  if (badge !== undefined) aps['badge'] = badge;
  if (!isVisible(notification)) aps['content-available'] = 1;
  return {
    kind: 'ready',
    request: {
      token: target.token,
      ...(shown ? { notification: text } : {}),
      data,
      android: {
        priority: notification.priority === 'high' ? 'HIGH' : 'NORMAL',
        ttl: `${ttlS}s`,
        collapse_key: collapseKey,
        // The tag makes a newer notification replace the shown one, as on the other platforms.
        ...(shown ? { notification: { tag: collapseKey, ...(badge === undefined ? {} : { notification_count: badge }) } } : {}),
      },
      apns: {
        headers: {
          'apns-priority': apnsPriority(notification),
          'apns-push-type': apnsPushType(notification),
          'apns-expiration': String(Math.floor(nowMs / 1000) + ttlS),
          'apns-collapse-id': collapseKey,
        },
        payload: { aps },
      },
      webpush: { headers: { TTL: String(ttlS), Urgency: notification.priority, Topic: collapseKey } },
    },
  };
}

/** The body of an FCM error (google.rpc.Status with FCM's details). */
interface FcmErrorBody {
  readonly error?: {
    readonly status?: string;
    readonly message?: string;
    readonly details?: readonly {
      readonly '@type'?: string;
      readonly errorCode?: string;
      readonly fieldViolations?: readonly { readonly field?: string }[];
    }[];
  };
}

function parseError(text: string): FcmErrorBody['error'] {
  try {
    const parsed = JSON.parse(text) as FcmErrorBody | null;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.error === 'object' ? parsed.error : undefined;
  } catch {
    // Not JSON (a proxy's HTML page): the status alone decides.
    return undefined;
  }
}

/**
 * FCM's answer to `messages:send`. Gone: `UNREGISTERED`, or `INVALID_ARGUMENT`
 * about the token itself (never a bare 404, which a wrong project also gives).
 * Retried: `QUOTA_EXCEEDED`/429, `UNAVAILABLE`/`INTERNAL`/5xx, honouring
 * Retry-After. Refused credentials: 401/403 and `THIRD_PARTY_AUTH_ERROR`.
 */
export function classifyFcmResponse(status: number, body: string, retryAfter: string | undefined, nowMs: number): PushOutcome {
  const retryAfterMs = parseRetryAfterMs(retryAfter, nowMs);
  if (status >= 200 && status < 300) {
    const name = (() => {
      try {
        return (JSON.parse(body) as { name?: unknown }).name;
      } catch {
        return undefined;
      }
    })();
    return typeof name === 'string' ? { kind: 'delivered', providerId: name } : { kind: 'delivered' };
  }
  const error = parseError(body);
  const fcmCode = error?.details?.find((d) => d['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode;
  const code = fcmCode ?? error?.status;
  const detail = code ?? String(status);
  switch (code) {
    case 'UNREGISTERED':
      return { kind: 'gone', reason: 'unregistered', detail };
    case 'INVALID_ARGUMENT': {
      const aboutToken =
        error?.details?.some((d) => d.fieldViolations?.some((v) => v.field === 'message.token')) === true ||
        /registration token/i.test(error?.message ?? '');
      return aboutToken ? { kind: 'gone', reason: 'bad-token', detail } : { kind: 'failed', reason: 'bad-request', detail };
    }
    case 'SENDER_ID_MISMATCH':
      return { kind: 'failed', reason: 'wrong-app', detail };
    case 'THIRD_PARTY_AUTH_ERROR':
      return { kind: 'failed', reason: 'credentials-refused', detail };
    case 'QUOTA_EXCEEDED':
      return retryOutcome('rate-limited', retryAfterMs, detail);
    case 'UNAVAILABLE':
    case 'INTERNAL':
      return retryOutcome('unavailable', retryAfterMs, detail);
    default:
      return outcomeOfStatus(status, retryAfterMs, detail);
  }
}
