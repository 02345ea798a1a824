import { createHash } from 'node:crypto';
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { APNS_STALE_TOKEN_REASONS, apnsRequest, classifyApnsResponse, type ApnsRequest } from '../../domain/push/apns';
import type { ApnsTarget, PushNotification } from '../../domain/push/notification';
import type { PushOutcome } from '../../domain/push/outcome';
import type { Logger } from '../logger';
import { ApnsProviderToken } from './apnsProviderToken';
import type { PushConfig } from './pushConfig';
import { DEFAULT_PUSH_TIMEOUT_MS, networkFailure, type PushProvider, type PushProviderOptions } from './pushProvider';

export interface ApnsProviderOptions extends PushProviderOptions {
  readonly credentials: NonNullable<PushConfig['apns']>;
  readonly logger: Logger;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Errors of a stream that the server never saw: its session was going away or gone. */
const SESSION_GONE = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_STREAM_CANCEL']);

/** A UUID (RFC 9562 version 8) derived from the notification's id: a redelivery names itself the same in APNs' logs. */
export function apnsIdOf(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * APNs over HTTP/2 with token-based authentication: one long-lived session per
 * endpoint (production or sandbox, as each target says), opened again when
 * the server closes it, and one provider token shared by every request.
 */
export class ApnsProvider implements PushProvider<'apns'> {
  readonly platform = 'apns';
  /** Sessions opened so far, and errors they met (logged): for tests and metrics. */
  readonly stats = { sessionsOpened: 0, sessionErrors: 0 };
  readonly providerToken: ApnsProviderToken;
  private readonly sessions = new Map<string, ClientHttp2Session>();
  private readonly nowMs: () => number;

  constructor(private readonly options: ApnsProviderOptions) {
    const { credentials } = options;
    this.nowMs = options.nowMs ?? Date.now;
    this.providerToken = new ApnsProviderToken(credentials.keyId, credentials.teamId, credentials.privateKeyPem, this.nowMs);
  }

  async send(target: ApnsTarget, notification: PushNotification): Promise<PushOutcome> {
    const shaped = apnsRequest(target, notification, this.options.credentials.topic, apnsIdOf(notification.id), this.nowMs());
    if (shaped.kind === 'refused') return shaped.outcome;
    const origin = this.options.credentials.endpoints[target.environment];
    const jwt = await this.providerToken.current();
    const first = await this.post(origin, shaped.request, jwt);
    if (!('status' in first)) return first;
    const outcome = this.classify(first);
    if (first.status !== 403 || outcome.kind !== 'failed' || !APNS_STALE_TOKEN_REASONS.includes(outcome.detail ?? '')) return outcome;
    const renewed = await this.providerToken.renewedAfterRefusal(jwt);
    if (renewed === undefined) return outcome;
    const second = await this.post(origin, shaped.request, renewed);
    return 'status' in second ? this.classify(second) : second;
  }

  async close(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.map((session) => new Promise<void>((resolve) => (session.closed ? resolve() : session.close(resolve)))));
  }

  private classify(answer: Answer): PushOutcome {
    const header = (name: string) => (typeof answer.headers[name] === 'string' ? (answer.headers[name] as string) : undefined);
    return classifyApnsResponse(answer.status, answer.body, header('apns-id'), header('retry-after'), this.nowMs());
  }

  /**
   * One request; once more on a new session when the one used was going away
   * and never saw it. A session that failed (its error is the stream's cause) is not tried again.
   */
  private async post(origin: string, request: ApnsRequest, jwt: string): Promise<Answer | PushOutcome> {
    try {
      return await this.exchange(this.session(origin), request, jwt);
    } catch (error) {
      const { code, cause } = error as NodeJS.ErrnoException;
      if (cause !== undefined || !SESSION_GONE.has(code ?? '')) return this.failure(error);
      try {
        return await this.exchange(this.session(origin), request, jwt);
      } catch (again) {
        return this.failure(again);
      }
    }
  }

  private failure(error: unknown): PushOutcome {
    // A stream cancelled by its failing session carries the session's error (ECONNREFUSED, a TLS error) as its cause.
    const reason = (error as NodeJS.ErrnoException).cause ?? error;
    return networkFailure(reason, (reason as NodeJS.ErrnoException).code === 'ETIMEDOUT');
  }

  private exchange(session: ClientHttp2Session, request: ApnsRequest, jwt: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': request.path,
        authorization: `bearer ${jwt}`,
        'content-type': 'application/json',
        ...request.headers,
      });
      let headers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      stream.setTimeout(this.options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS, () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(Object.assign(new Error('APNs did not answer in time'), { code: 'ETIMEDOUT' }));
      });
      stream.on('response', (received) => (headers = received));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('close', () => {
        if (headers === undefined) {
          reject(Object.assign(new Error(`APNs closed the stream unanswered (code ${stream.rstCode})`), { code: 'ERR_HTTP2_STREAM_CANCEL' }));
          return;
        }
        resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      stream.end(request.body);
    });
  }

  /** The open session to `origin`, or a new one; a session leaves the map as soon as it starts closing. */
  private session(origin: string): ClientHttp2Session {
    const existing = this.sessions.get(origin);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(origin, this.options.ca === undefined ? {} : { ca: this.options.ca });
    this.stats.sessionsOpened++;
    const forget = () => {
      if (this.sessions.get(origin) === session) this.sessions.delete(origin);
    };
    session.on('goaway', forget);
    session.on('close', forget);
    session.on('error', (error: unknown) => {
      this.stats.sessionErrors++;
      this.options.logger.warn({ err: error, origin }, 'APNs: HTTP/2 session failed; the next push opens a new one');
      forget();
    });
    this.sessions.set(origin, session);
    return session;
  }
}
