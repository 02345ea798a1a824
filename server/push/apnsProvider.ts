import { createHash } from 'node:crypto';
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { APNS_STALE_TOKEN_REASONS, apnsRequest, classifyApnsResponse, type ApnsRequest } from '../../domain/push/apns';
import type { ApnsTarget, PushNotification } from '../../domain/push/notification';
import type { PushOutcome } from '../../domain/push/outcome';
import type { Logger } from '../logger';
import { ApnsProviderToken } from './apnsProviderToken';
import type { PushConfig } from './pushConfig';
import { DEADLINE_PASSED, DEFAULT_PUSH_TIMEOUT_MS, networkFailure, type PushProvider, type PushProviderOptions } from './pushProvider';

export interface ApnsProviderOptions extends PushProviderOptions {
  readonly credentials: NonNullable<PushConfig['apns']>;
  readonly logger: Logger;
  /** A session this long without traffic is pinged: a NAT or load balancer may drop an idle flow without a word. */
  readonly pingIntervalMs?: number;
  /** A ping unanswered this long: the session is dead, and is replaced. */
  readonly pingTimeoutMs?: number;
  /** How long opening a session (TCP, TLS, HTTP/2 settings) may take. */
  readonly connectTimeoutMs?: number;
}

export const DEFAULT_APNS_PING_INTERVAL_MS = 60_000;
export const DEFAULT_APNS_PING_TIMEOUT_MS = 5_000;
export const DEFAULT_APNS_CONNECT_TIMEOUT_MS = 5_000;

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Errors of a stream worth one more try on a new session: its session was going
 * away or gone, or stopped answering (a timeout drops the session).
 */
const SESSION_GONE = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_STREAM_CANCEL', 'ETIMEDOUT']);

/** A UUID (RFC 9562 version 8) derived from the notification's id: a redelivery names itself the same in APNs' logs. */
export function apnsIdOf(id: string): string {
  const hex = createHash('sha256').update(id).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * APNs over HTTP/2 with token-based authentication: one long-lived session per
 * endpoint (production or sandbox, as each target says), opened again when
 * the server closes it or it stops answering (a request or a ping unanswered
 * in time, a connection not made in time), and one provider token shared by every request.
 */
export class ApnsProvider implements PushProvider<'apns'> {
  readonly platform = 'apns';
  /** Sessions opened so far, and errors they met (logged): for tests and metrics. */
  readonly stats = { sessionsOpened: 0, sessionErrors: 0, sessionsSilent: 0 };
  readonly providerToken: ApnsProviderToken;
  private readonly sessions = new Map<string, ClientHttp2Session>();
  private readonly nowMs: () => number;
  private readonly pingIntervalMs: number;

  constructor(private readonly options: ApnsProviderOptions) {
    const { credentials } = options;
    this.nowMs = options.nowMs ?? Date.now;
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_APNS_PING_INTERVAL_MS;
    this.providerToken = new ApnsProviderToken(credentials.keyId, credentials.teamId, credentials.privateKeyPem, this.nowMs);
  }

  async send(target: ApnsTarget, notification: PushNotification, signal?: AbortSignal): Promise<PushOutcome> {
    const shaped = apnsRequest(target, notification, this.options.credentials.topic, apnsIdOf(notification.id), this.nowMs());
    if (shaped.kind === 'refused') return shaped.outcome;
    const origin = this.options.credentials.endpoints[target.environment];
    const jwt = await this.providerToken.current();
    const first = await this.post(origin, shaped.request, jwt, signal);
    if (!('status' in first)) return first;
    const outcome = this.classify(first);
    if (first.status !== 403 || outcome.kind !== 'failed' || !APNS_STALE_TOKEN_REASONS.includes(outcome.detail ?? '')) return outcome;
    const renewed = await this.providerToken.renewedAfterRefusal(jwt);
    if (renewed === undefined) return outcome;
    const second = await this.post(origin, shaped.request, renewed, signal);
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
   * and never saw it, or went silent. A session that failed (its error is the
   * stream's cause, as when it could not connect) is not tried again.
   */
  private async post(origin: string, request: ApnsRequest, jwt: string, signal: AbortSignal | undefined): Promise<Answer | PushOutcome> {
    if (signal?.aborted) return DEADLINE_PASSED;
    try {
      return await this.exchange(origin, request, jwt, signal);
    } catch (error) {
      if (signal?.aborted) return DEADLINE_PASSED;
      const { code, cause } = error as NodeJS.ErrnoException;
      if (cause !== undefined || !SESSION_GONE.has(code ?? '')) return this.failure(error);
      try {
        return await this.exchange(origin, request, jwt, signal);
      } catch (again) {
        return signal?.aborted ? DEADLINE_PASSED : this.failure(again);
      }
    }
  }

  private failure(error: unknown): PushOutcome {
    // A stream cancelled by its failing session carries the session's error (ECONNREFUSED, a TLS error) as its cause.
    const reason = (error as NodeJS.ErrnoException).cause ?? error;
    return networkFailure(reason, (reason as NodeJS.ErrnoException).code === 'ETIMEDOUT');
  }

  private exchange(origin: string, request: ApnsRequest, jwt: string, signal: AbortSignal | undefined): Promise<Answer> {
    const session = this.session(origin);
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
        reject(Object.assign(new Error('APNs did not answer in time'), { code: 'ETIMEDOUT' }));
        // APNs answers in milliseconds: a session silent this long is most likely a dropped flow, which would time out every request.
        this.drop(origin, session, 'a request went unanswered');
      });
      // The caller gave up: the stream is cancelled, the session kept.
      const abandon = () => stream.close(http2.constants.NGHTTP2_CANCEL);
      signal?.addEventListener('abort', abandon, { once: true });
      stream.on('response', (received) => (headers = received));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('close', () => {
        signal?.removeEventListener('abort', abandon);
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
    const connectTimeoutMs = this.options.connectTimeoutMs ?? DEFAULT_APNS_CONNECT_TIMEOUT_MS;
    // Its streams fail with this as their cause, a timeout not tried again on another session.
    const connecting = setTimeout(() => session.destroy(Object.assign(new Error(`APNs: no session within ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })), connectTimeoutMs);
    connecting.unref();
    session.once('connect', () => clearTimeout(connecting));
    session.on('goaway', forget);
    session.on('close', () => {
      clearTimeout(connecting);
      forget();
    });
    session.on('error', (error: unknown) => {
      this.stats.sessionErrors++;
      this.options.logger.warn({ err: error, origin }, 'APNs: HTTP/2 session failed; the next push opens a new one');
      forget();
    });
    // Called after every idle spell: setTimeout's own callback would be called once only.
    session.setTimeout(this.pingIntervalMs);
    session.on('timeout', () => this.ping(origin, session));
    this.sessions.set(origin, session);
    return session;
  }

  /** Pings an idle session; one whose answer does not come in time is dropped before a push meets it. */
  private ping(origin: string, session: ClientHttp2Session): void {
    if (session.closed || session.destroyed) return;
    const unanswered = setTimeout(() => this.drop(origin, session, 'a ping went unanswered'), this.options.pingTimeoutMs ?? DEFAULT_APNS_PING_TIMEOUT_MS);
    unanswered.unref();
    const answered = (error: Error | null) => {
      clearTimeout(unanswered);
      // A ping's answer does not count as traffic for the idle timer: it is started again, for the next ping. An error: the session is closing anyway.
      if (error === null && !session.destroyed) session.setTimeout(this.pingIntervalMs);
    };
    if (!session.ping(answered)) clearTimeout(unanswered);
  }

  /** Destroys a session that stopped answering: its other streams fail unanswered and try once more on a new one. */
  private drop(origin: string, session: ClientHttp2Session, why: string): void {
    if (this.sessions.get(origin) === session) this.sessions.delete(origin);
    if (session.destroyed) return;
    this.stats.sessionsSilent++;
    this.options.logger.warn({ origin, why }, 'APNs: HTTP/2 session went silent; dropped, the next push opens a new one');
    session.destroy();
  }
}
