import { randomUUID, type KeyObject } from 'node:crypto';
import http2, { type Http2SecureServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { TestCertificate } from './tlsStandIn';

/** One notification APNs accepted: the device, the apns-* headers, the JSON body and the provider token it came with. */
export interface ReceivedApnsPush {
  readonly deviceToken: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: unknown;
  readonly providerToken: string;
}

/** An answer APNs gives a device token instead of accepting, `times` times (always when undefined). */
export interface ApnsAnswer {
  readonly reason: 'BadDeviceToken' | 'Unregistered' | 'TooManyRequests' | 'ServiceUnavailable' | 'InternalServerError';
  readonly retryAfter?: string;
  readonly times?: number;
}

const STATUS_OF: Record<ApnsAnswer['reason'], number> = { BadDeviceToken: 400, Unregistered: 410, TooManyRequests: 429, ServiceUnavailable: 503, InternalServerError: 500 };

export interface ApnsServiceOptions {
  readonly teamId: string;
  /** Signing keys by key id (`kid`): their public halves. */
  readonly keys: ReadonlyMap<string, KeyObject>;
  /** The bundle ids this team may push to. */
  readonly topics: readonly string[];
  readonly nowMs?: () => number;
  /** Provider tokens older than this are refused as ExpiredProviderToken: an hour at Apple. */
  readonly maxTokenAgeMs?: number;
}

interface Reply {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: Record<string, string>;
  readonly timestamp?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * APNs' provider API on localhost, HTTP/2 over TLS, for tests: it checks the
 * provider token (ES256 by a known key id, `iss` the team, `iat` fresh),
 * requires `apns-topic` (of the team), `apns-push-type`, `apns-priority` (5 for
 * background), `apns-expiration`, `apns-collapse-id` (≤ 64 bytes) and an
 * `aps` dictionary of at most 4096 bytes, and answers as APNs does.
 */
export class ApnsService {
  readonly received: ReceivedApnsPush[] = [];
  /** Reasons of the requests it refused. */
  readonly refusals: string[] = [];
  /** Each distinct provider token it accepted. */
  readonly providerTokens = new Set<string>();
  private readonly answers = new Map<string, ApnsAnswer>();
  private readonly sessions = new Set<Http2Session>();
  private server: Http2SecureServer | undefined;
  private readonly nowMs: () => number;

  constructor(private readonly options: ApnsServiceOptions) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  get origin(): string {
    return `https://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Sessions open now. */
  get openSessions(): number {
    return this.sessions.size;
  }

  answer(deviceToken: string, answer: ApnsAnswer): void {
    this.answers.set(deviceToken, answer);
  }

  async listen(certificate: TestCertificate): Promise<string> {
    this.server = http2.createSecureServer({ key: certificate.key, cert: certificate.cert });
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
    this.server.on('stream', (stream, headers) => {
      this.handle(stream, headers).catch((error: unknown) => {
        stream.respond({ ':status': 500 });
        stream.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.origin;
  }

  /** Closes every session as APNs does when it goes away (GOAWAY), and resolves once they are closed. */
  async dropSessions(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => new Promise<void>((resolve) => session.close(resolve))));
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const reply = await this.answerFor(headers, Buffer.concat(chunks));
    const apnsId = typeof headers['apns-id'] === 'string' ? headers['apns-id'] : randomUUID();
    stream.respond({ ':status': reply.status, 'apns-id': apnsId, ...reply.headers });
    if (reply.reason === undefined) stream.end();
    else stream.end(JSON.stringify({ reason: reply.reason, ...(reply.timestamp === undefined ? {} : { timestamp: reply.timestamp }) }));
  }

  private refuse(status: number, reason: string): Reply {
    this.refusals.push(reason);
    return { status, reason };
  }

  private async answerFor(headers: IncomingHttpHeaders, body: Buffer): Promise<Reply> {
    if (headers[':method'] !== 'POST') return this.refuse(405, 'MethodNotAllowed');
    const deviceToken = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(String(headers[':path']))?.[1];
    if (deviceToken === undefined) return this.refuse(404, 'BadPath');
    const providerToken = /^bearer (\S+)$/.exec(String(headers['authorization'] ?? ''))?.[1];
    if (providerToken === undefined) return this.refuse(403, 'MissingProviderToken');
    const tokenProblem = await this.checkProviderToken(providerToken);
    if (tokenProblem) return this.refuse(403, tokenProblem);

    const header = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : undefined);
    const topic = header('apns-topic');
    if (topic === undefined) return this.refuse(400, 'MissingTopic');
    if (!this.options.topics.includes(topic)) return this.refuse(400, 'TopicDisallowed');
    const pushType = header('apns-push-type');
    if (pushType !== 'alert' && pushType !== 'background') return this.refuse(400, 'InvalidPushType');
    const priority = header('apns-priority');
    if (!['10', '5', '1'].includes(priority ?? '') || (pushType === 'background' && priority === '10')) return this.refuse(400, 'BadPriority');
    if (!/^\d+$/.test(header('apns-expiration') ?? '')) return this.refuse(400, 'BadExpirationDate');
    const collapseId = header('apns-collapse-id');
    if (collapseId === undefined || Buffer.byteLength(collapseId) > 64) return this.refuse(400, 'BadCollapseId');
    const apnsId = header('apns-id');
    if (apnsId !== undefined && !UUID.test(apnsId)) return this.refuse(400, 'BadMessageId');
    if (body.length === 0) return this.refuse(400, 'PayloadEmpty');
    if (body.length > 4096) return this.refuse(413, 'PayloadTooLarge');
    let payload: { aps?: unknown };
    try {
      payload = JSON.parse(body.toString('utf8')) as { aps?: unknown };
    } catch {
      return this.refuse(400, 'PayloadEmpty');
    }
    if (typeof payload?.aps !== 'object' || payload.aps === null) return this.refuse(400, 'PayloadEmpty');

    const answer = this.answers.get(deviceToken);
    if (answer) {
      if (answer.times !== undefined && answer.times <= 1) this.answers.delete(deviceToken);
      else if (answer.times !== undefined) this.answers.set(deviceToken, { ...answer, times: answer.times - 1 });
      return {
        status: STATUS_OF[answer.reason],
        reason: answer.reason,
        ...(answer.retryAfter === undefined ? {} : { headers: { 'retry-after': answer.retryAfter } }),
        ...(answer.reason === 'Unregistered' ? { timestamp: this.nowMs() } : {}),
      };
    }
    const apnsHeaders = Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('apns-'))) as Record<string, string>;
    this.received.push({ deviceToken, headers: apnsHeaders, payload, providerToken });
    this.providerTokens.add(providerToken);
    return { status: 200 };
  }

  /** Why APNs would refuse this provider token, or undefined. */
  private async checkProviderToken(jwt: string): Promise<string | undefined> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(jwt).kid;
    } catch {
      return 'InvalidProviderToken';
    }
    const key = kid === undefined ? undefined : this.options.keys.get(kid);
    if (!key) return 'InvalidProviderToken';
    const nowS = Math.floor(this.nowMs() / 1000);
    try {
      const { payload } = await jwtVerify(jwt, key, { algorithms: ['ES256'], issuer: this.options.teamId, requiredClaims: ['iat'], currentDate: new Date(nowS * 1000) });
      const ageS = nowS - payload.iat!;
      if (ageS < -60) return 'InvalidProviderToken';
      if (ageS * 1000 > (this.options.maxTokenAgeMs ?? 3_600_000)) return 'ExpiredProviderToken';
      return undefined;
    } catch {
      return 'InvalidProviderToken';
    }
  }
}
