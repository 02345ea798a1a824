import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import webPush from 'web-push';
import type { PushNotification, WebPushTarget } from '../../domain/push/notification';
import type { PushOutcome } from '../../domain/push/outcome';
import { classifyWebPushResponse, webPushRequest, webPushTargetProblem } from '../../domain/push/webPush';
import type { VapidKeys } from './pushConfig';
import { DEADLINE_PASSED, DEFAULT_PUSH_TIMEOUT_MS, networkFailure, type PushProvider, type PushProviderOptions } from './pushProvider';

/** What a request that timed out fails with: as web-push's own said. */
const SOCKET_TIMEOUT = 'Socket timeout';

/** How long a VAPID JWT is valid (RFC 8292 allows at most 24 hours). */
export const VAPID_JWT_LIFE_S = 12 * 60 * 60;

export interface WebPushProviderOptions extends PushProviderOptions {
  readonly vapid: VapidKeys & { readonly subject: string };
  /** Connections kept open per push service origin. */
  readonly maxSocketsPerOrigin?: number;
}

/**
 * Web Push (RFC 8030) through the `web-push` package: a VAPID JWT for the push
 * service's origin (RFC 8292) and the payload encrypted with `aes128gcm` for
 * the subscription's keys (RFC 8291), with `TTL`, `Urgency` and `Topic`.
 * Connections to each push service are kept alive between pushes.
 */
export class WebPushProvider implements PushProvider<'webpush'> {
  readonly platform = 'webpush';
  private readonly agent: https.Agent;
  private readonly nowMs: () => number;
  /** The VAPID authorization per push service origin, signed once and reused until it is half-way to expiry. */
  private readonly authorizations = new Map<string, { readonly header: string; readonly renewAtMs: number }>();

  constructor(private readonly options: WebPushProviderOptions) {
    this.nowMs = options.nowMs ?? Date.now;
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: options.maxSocketsPerOrigin ?? 64,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
  }

  async send(target: WebPushTarget, notification: PushNotification, signal?: AbortSignal): Promise<PushOutcome> {
    const problem = webPushTargetProblem(target);
    if (problem) return { kind: 'gone', reason: 'bad-token', detail: problem };
    const shaped = webPushRequest(notification, this.nowMs());
    if (shaped.kind === 'refused') return shaped.outcome;
    const { payload, ttlS, urgency, topic } = shaped.request;
    try {
      const details = webPush.generateRequestDetails({ endpoint: target.endpoint, keys: target.keys }, payload, {
        headers: { Authorization: this.authorization(target.endpoint) },
        contentEncoding: 'aes128gcm',
        TTL: ttlS,
        urgency,
        topic,
      });
      const { status, headers } = await this.post(details, signal);
      const retryAfter = headers['retry-after'];
      const outcome = classifyWebPushResponse(status, typeof retryAfter === 'string' ? retryAfter : undefined, this.nowMs());
      const location = headers['location'];
      return outcome.kind === 'delivered' && typeof location === 'string' ? { kind: 'delivered', providerId: location } : outcome;
    } catch (error) {
      if (signal?.aborted) return DEADLINE_PASSED;
      if ((error as NodeJS.ErrnoException).code === 'ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY') {
        return { kind: 'gone', reason: 'bad-token', detail: 'p256dh is not a point of P-256' };
      }
      return networkFailure(error, error instanceof Error && error.message === SOCKET_TIMEOUT);
    }
  }

  /**
   * The request web-push would make, made here with the caller's signal: web-push's
   * own gives no way to abort one, and its timeout starts only once a socket is free.
   * Aborted, a request waiting for one of the origin's sockets leaves the queue unsent.
   */
  private post(details: webPush.RequestDetails, signal: AbortSignal | undefined): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const request = https.request(
        details.endpoint,
        { method: details.method, headers: details.headers, agent: this.agent, timeout: this.options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS, ...(signal === undefined ? {} : { signal }) },
        (response) => {
          // The answer's body says nothing the status and headers do not: read and dropped, so the socket is reused.
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(SOCKET_TIMEOUT)));
      request.on('error', reject);
      // A request aborted while queued fails only once a socket is free (and is never written): its caller hears at once.
      const abandoned = () => reject(new Error('aborted'));
      signal?.addEventListener('abort', abandoned, { once: true });
      request.on('close', () => signal?.removeEventListener('abort', abandoned));
      request.end(details.body ?? undefined);
    });
  }

  /**
   * The VAPID header for the endpoint's origin (its JWT's audience). Signing an
   * ES256 JWT for every push cost as much as encrypting it; one JWT per push
   * service lives VAPID_JWT_LIFE_S (the spec allows 24 hours) and is renewed at half-life.
   */
  private authorization(endpoint: string): string {
    const origin = new URL(endpoint).origin;
    const nowMs = this.nowMs();
    const cached = this.authorizations.get(origin);
    if (cached && cached.renewAtMs > nowMs) return cached.header;
    const { publicKey, privateKey, subject } = this.options.vapid;
    const expiresS = Math.floor(nowMs / 1000) + VAPID_JWT_LIFE_S;
    const headers = webPush.getVapidHeaders(origin, subject, publicKey, privateKey, 'aes128gcm', expiresS) as { Authorization: string };
    this.authorizations.set(origin, { header: headers.Authorization, renewAtMs: nowMs + (VAPID_JWT_LIFE_S * 1000) / 2 });
    return headers.Authorization;
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
