import { remainingTtlS, unsendable, type PushNotification, type WebPushTarget } from './notification';
import { outcomeOfStatus, parseRetryAfterMs, refused, utf8Bytes, type PushOutcome, type Shaped } from './outcome';
import { urlOnHosts } from '../hostNames';

/**
 * The JSON a service worker receives in its `push` event (decrypted by the
 * browser): show it with `tag: collapseKey` so a newer one replaces it.
 */
export interface WebPushPayload {
  readonly id: string;
  readonly collapseKey: string;
  readonly title: string;
  readonly body: string;
  readonly badge?: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/** What a Web Push request carries besides VAPID and encryption (RFC 8030 §5). */
export interface WebPushRequest {
  readonly payload: string;
  readonly ttlS: number;
  readonly urgency: 'normal' | 'high';
  readonly topic: string;
}

/**
 * The largest plaintext one aes128gcm record of 4096 bytes holds (RFC 8291 §4):
 * 86 bytes of header (salt, record size, sender key), a 16-byte tag and the
 * padding delimiter. Push services refuse larger bodies.
 */
export const MAX_WEB_PUSH_PAYLOAD_BYTES = 4096 - 86 - 16 - 1;

/**
 * Why a subscription can never be pushed to (registration refuses it for the
 * same reason); undefined when it can: an https endpoint, a 65-byte P-256
 * public key and a 16-byte auth secret, base64url.
 */
export function webPushTargetProblem(target: WebPushTarget): string | undefined {
  let endpoint: URL;
  try {
    endpoint = new URL(target.endpoint);
  } catch {
    return 'endpoint is not a URL';
  }
  if (endpoint.protocol !== 'https:') return 'endpoint is not https';
  // 65 bytes make 87 base64url characters; the first byte, 4 (uncompressed point), makes a "B".
  if (!/^B[A-Za-z0-9_-]{86}=?$/.test(target.keys.p256dh)) return 'p256dh is not an uncompressed P-256 public key';
  if (!/^[A-Za-z0-9_-]{22}(==)?$/.test(target.keys.auth)) return 'auth is not a 16-byte secret';
  return undefined;
}

/**
 * The push services of today's browsers (Chrome and Edge's FCM, Firefox's
 * autopush, Windows' WNS, Safari's). A node posts to a subscription's endpoint,
 * so an endpoint anywhere else would let a user aim the node at any host.
 */
export const BROWSER_PUSH_SERVICE_HOSTS: readonly string[] = ['fcm.googleapis.com', 'push.services.mozilla.com', 'notify.windows.com', 'push.apple.com'];

/** Whether an endpoint's host is one of `hosts` or below one of them (`updates.push.services.mozilla.com`). */
export function webPushEndpointAllowed(endpoint: string, hosts: readonly string[]): boolean {
  return urlOnHosts(endpoint, hosts);
}

export function webPushRequest(notification: PushNotification, nowMs: number): Shaped<WebPushRequest> {
  const cannot = unsendable(notification, nowMs);
  if (cannot) return cannot;
  const body: WebPushPayload = {
    id: notification.id,
    collapseKey: notification.collapseKey,
    title: notification.title,
    body: notification.body,
    ...(notification.badge === undefined ? {} : { badge: notification.badge }),
    data: notification.data,
  };
  const payload = JSON.stringify(body);
  const bytes = utf8Bytes(payload);
  if (bytes > MAX_WEB_PUSH_PAYLOAD_BYTES) return refused('payload-too-large', `${bytes} bytes, at most ${MAX_WEB_PUSH_PAYLOAD_BYTES}`);
  return {
    kind: 'ready',
    request: {
      payload,
      ttlS: remainingTtlS(notification.expiresAtMs, nowMs),
      urgency: notification.priority,
      topic: notification.collapseKey,
    },
  };
}

/**
 * A push service's answer (RFC 8030 §6–8): 201 accepted; 404 and 410 the
 * subscription is gone; 429 and 5xx retried, honouring Retry-After; 401/403 a
 * VAPID key the service refuses; 413 too large.
 */
export function classifyWebPushResponse(status: number, retryAfter: string | undefined, nowMs: number): PushOutcome {
  if (status === 404 || status === 410) return { kind: 'gone', reason: 'unregistered', detail: String(status) };
  return outcomeOfStatus(status, parseRetryAfterMs(retryAfter, nowMs));
}
