import https from 'node:https';
import { gaxios, JWT } from 'google-auth-library';
import { classifyFcmResponse, fcmMessage } from '../../domain/push/fcm';
import type { FcmTarget, PushNotification } from '../../domain/push/notification';
import { outcomeOfStatus, parseRetryAfterMs, retryOutcome, type PushOutcome } from '../../domain/push/outcome';
import { DEADLINE_PASSED, DEFAULT_PUSH_TIMEOUT_MS, networkFailure, type PushProvider, type PushProviderOptions } from './pushProvider';
import { DEFAULT_FCM_TOKEN_ENDPOINT, type PushConfig } from './pushConfig';

/** The OAuth2 scope that may send FCM messages. */
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export interface FcmProviderOptions extends PushProviderOptions {
  readonly account: NonNullable<PushConfig['fcm']>;
}

/**
 * FCM HTTP v1: `POST {endpoint}/v1/projects/{project}/messages:send` with an
 * OAuth2 bearer token that `google-auth-library` gets from the service
 * account's JWT assertion (RFC 7523) and keeps until shortly before it expires.
 */
export class FcmProvider implements PushProvider<'fcm'> {
  readonly platform = 'fcm';
  private readonly auth: JWT;
  private readonly agent: https.Agent;
  private readonly sendUrl: string;
  private readonly nowMs: () => number;

  constructor(private readonly options: FcmProviderOptions) {
    const { account } = options;
    this.nowMs = options.nowMs ?? Date.now;
    this.sendUrl = `${account.endpoint.replace(/\/$/, '')}/v1/projects/${encodeURIComponent(account.projectId)}/messages:send`;
    this.agent = new https.Agent({ keepAlive: true, ...(options.ca === undefined ? {} : { ca: options.ca }) });
    // The timeout covers the token request too, which the library sends without one.
    const transporter = new gaxios.Gaxios({ agent: this.agent, timeout: options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS });
    const ownTokenEndpoint = account.tokenEndpoint !== DEFAULT_FCM_TOKEN_ENDPOINT;
    if (ownTokenEndpoint) {
      // The library posts the grant to Google's endpoint, named in its code: this sends it where configured instead.
      transporter.interceptors.request.add({
        resolved: async (config) => (config.url.href === DEFAULT_FCM_TOKEN_ENDPOINT ? { ...config, url: new URL(account.tokenEndpoint) } : config),
      });
    }
    this.auth = new JWT({
      email: account.clientEmail,
      key: account.privateKeyPem,
      scopes: [FCM_SCOPE],
      // The assertion's audience is the endpoint that checks it.
      ...(ownTokenEndpoint ? { additionalClaims: { aud: account.tokenEndpoint } } : {}),
      transporter,
    });
  }

  async send(target: FcmTarget, notification: PushNotification, signal?: AbortSignal): Promise<PushOutcome> {
    const shaped = fcmMessage(target, notification, this.nowMs());
    if (shaped.kind === 'refused') return shaped.outcome;
    // gaxios would ignore a signal aborted already.
    if (signal?.aborted) return DEADLINE_PASSED;
    try {
      const response = await this.auth.request<string>({
        url: this.sendUrl,
        method: 'POST',
        data: { message: shaped.request },
        responseType: 'text',
        retry: false,
        timeout: this.options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS,
        ...(signal === undefined ? {} : { signal }),
      });
      return classifyFcmResponse(response.status, response.data, response.headers.get('retry-after') ?? undefined, this.nowMs());
    } catch (error) {
      return signal?.aborted ? DEADLINE_PASSED : this.failure(error);
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private failure(error: unknown): PushOutcome {
    if (!(error instanceof gaxios.GaxiosError)) return networkFailure(error);
    const response = error.response;
    if (!response) {
      // The only abort is the request's timeout.
      if ((error.cause as Error | undefined)?.name === 'AbortError') return retryOutcome('timeout', undefined, 'no answer in time');
      return networkFailure(error.cause ?? error);
    }
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    if (String(error.config.url) === this.options.account.tokenEndpoint) {
      // The token endpoint refused the grant (a revoked or wrong key) or could not answer.
      const grantError = (response.data as { error?: unknown } | undefined)?.error;
      const detail = `token endpoint: ${typeof grantError === 'string' ? grantError : response.status}`;
      const outcome = outcomeOfStatus(response.status, parseRetryAfterMs(retryAfter, this.nowMs()), detail);
      return outcome.kind === 'failed' ? { kind: 'failed', reason: 'credentials-refused', detail } : outcome;
    }
    const body = typeof response.data === 'string' ? response.data : JSON.stringify(response.data ?? '');
    return classifyFcmResponse(response.status, body, retryAfter, this.nowMs());
  }
}
