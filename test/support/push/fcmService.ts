import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeJwt, jwtVerify } from 'jose';
import { z } from 'zod';
import { closeServer, listenHttps, type StandInReply, type TestCertificate } from './tlsStandIn';

export const FCM_MESSAGING_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A service account key file as Google's console writes it, with a key made for the test. */
export interface ServiceAccountKey {
  readonly type: 'service_account';
  readonly project_id: string;
  readonly private_key_id: string;
  readonly private_key: string;
  readonly client_email: string;
  readonly token_uri: string;
}

export function makeServiceAccount(projectId: string, name = 'kismet-push'): { key: ServiceAccountKey; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    key: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `${name}@${projectId}.iam.gserviceaccount.com`,
      token_uri: 'https://oauth2.googleapis.com/token',
    },
    publicKey,
  };
}

const stringMap = z.record(z.string(), z.string());
/** The fields of FCM's v1 Message that Kismet may send; anything else is refused, as FCM refuses unknown names. */
const MessageSchema = z
  .object({
    token: z.string().min(1).optional(),
    topic: z.string().min(1).optional(),
    condition: z.string().min(1).optional(),
    data: stringMap.optional(),
    notification: z.object({ title: z.string().optional(), body: z.string().optional() }).strict().optional(),
    android: z
      .object({
        collapse_key: z.string().optional(),
        priority: z.enum(['NORMAL', 'HIGH']).optional(),
        ttl: z.string().regex(/^\d+(\.\d{1,9})?s$/).optional(),
        notification: z.object({ tag: z.string().optional(), notification_count: z.number().int().min(0).optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    apns: z.object({ headers: stringMap.optional(), payload: z.object({ aps: z.record(z.string(), z.unknown()) }).optional() }).strict().optional(),
    webpush: z.object({ headers: stringMap.optional() }).strict().optional(),
  })
  .strict();
export type ReceivedFcmMessage = z.infer<typeof MessageSchema>;

/** What the service answers a registration token with, `times` times (always when undefined). */
export interface FcmAnswer {
  readonly error: 'UNREGISTERED' | 'INVALID_TOKEN' | 'QUOTA_EXCEEDED' | 'UNAVAILABLE' | 'INTERNAL';
  readonly retryAfter?: string;
  readonly times?: number;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

const STATUS_OF = { UNREGISTERED: [404, 'NOT_FOUND'], INVALID_TOKEN: [400, 'INVALID_ARGUMENT'], QUOTA_EXCEEDED: [429, 'RESOURCE_EXHAUSTED'], UNAVAILABLE: [503, 'UNAVAILABLE'], INTERNAL: [500, 'INTERNAL'] } as const;

/** An error as FCM writes it: google.rpc.Status, FCM's error code in its details. */
function fcmError(status: number, rpcStatus: string, message: string, details: object[] = []): Reply {
  return { status, body: { error: { code: status, message, status: rpcStatus, details } } };
}

/**
 * FCM HTTP v1 and Google's OAuth2 token endpoint on localhost over TLS, for
 * tests. The token endpoint grants a bearer token for a JWT assertion (RFC
 * 7523) signed RS256 by a service account it knows, for its own URL, asking
 * the messaging scope. `messages:send` wants that token, the account's project
 * and a Message with exactly one of token/topic/condition and only FCM's
 * fields, and answers as FCM does, errors included.
 */
export class FcmService {
  readonly received: { readonly project: string; readonly message: ReceivedFcmMessage }[] = [];
  /** Grants refused and requests refused, with why. */
  readonly refusals: string[] = [];
  /** The claims of each assertion it granted a token for. */
  readonly grants: { readonly iss: string; readonly aud: string; readonly scope: string }[] = [];
  private readonly accounts = new Map<string, { projectId: string; publicKey: KeyObject }>();
  private readonly tokens = new Map<string, { projectId: string; expiresAtMs: number }>();
  private readonly answers = new Map<string, FcmAnswer>();
  private server: Server | undefined;

  get origin(): string {
    return `https://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  get tokenEndpoint(): string {
    return `${this.origin}/token`;
  }

  /** Lets the service account (its email) get tokens for its project. */
  trust(key: ServiceAccountKey, publicKey: KeyObject): void {
    this.accounts.set(key.client_email, { projectId: key.project_id, publicKey });
  }

  answer(registrationToken: string, answer: FcmAnswer): void {
    this.answers.set(registrationToken, answer);
  }

  async listen(certificate: TestCertificate): Promise<string> {
    this.server = await listenHttps(certificate, async (request, body): Promise<StandInReply> => {
      const { status, body: json, headers } = await this.handle(request, body.toString('utf8'));
      return { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers }, body: JSON.stringify(json) };
    });
    return this.origin;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  private refuse(reply: Reply, why: string): Reply {
    this.refusals.push(why);
    return reply;
  }

  private async handle(request: IncomingMessage, text: string): Promise<Reply> {
    if (request.method === 'POST' && request.url === '/token') return this.grant(new URLSearchParams(text));
    const project = /^\/v1\/projects\/([\w-]+)\/messages:send$/.exec(request.url ?? '')?.[1];
    if (request.method === 'POST' && project !== undefined) return this.send(project, request.headers.authorization, text);
    return this.refuse({ status: 404, body: { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } } }, `no route ${request.method} ${request.url}`);
  }

  private async grant(form: URLSearchParams): Promise<Reply> {
    const refused = (error: string, description: string) => this.refuse({ status: 400, body: { error, error_description: description } }, `grant: ${description}`);
    if (form.get('grant_type') !== JWT_BEARER) return refused('unsupported_grant_type', 'Invalid grant_type');
    const assertion = form.get('assertion') ?? '';
    let issuer: unknown;
    try {
      issuer = decodeJwt(assertion).iss;
    } catch {
      return refused('invalid_grant', 'Invalid JWT');
    }
    const account = typeof issuer === 'string' ? this.accounts.get(issuer) : undefined;
    if (!account) return refused('invalid_grant', 'Invalid grant: account not found');
    try {
      const { payload } = await jwtVerify(assertion, account.publicKey, { algorithms: ['RS256'], issuer: issuer as string, audience: this.tokenEndpoint, requiredClaims: ['iat', 'exp'], maxTokenAge: '1h' });
      if (payload.exp! - payload.iat! > 3600) return refused('invalid_grant', 'Invalid JWT: lives longer than an hour');
      const scope = String(payload['scope'] ?? '');
      if (!scope.split(' ').includes(FCM_MESSAGING_SCOPE)) return refused('invalid_scope', 'The messaging scope was not asked');
      const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
      this.tokens.set(accessToken, { projectId: account.projectId, expiresAtMs: Date.now() + 3_600_000 });
      this.grants.push({ iss: issuer as string, aud: String(payload.aud), scope });
      return { status: 200, body: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' } };
    } catch (error) {
      return refused('invalid_grant', `Invalid JWT Signature or claims: ${(error as Error).message}`);
    }
  }

  private send(project: string, authorization: string | undefined, text: string): Reply {
    const token = this.tokens.get(/^Bearer (\S+)$/.exec(authorization ?? '')?.[1] ?? '');
    if (!token || token.expiresAtMs <= Date.now()) {
      return this.refuse(fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.'), 'no valid bearer token');
    }
    if (token.projectId !== project) return this.refuse(fcmError(403, 'PERMISSION_DENIED', `Permission denied on project ${project}`), 'another project');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return this.refuse(fcmError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'), 'not JSON');
    }
    const body = z.object({ message: MessageSchema, validate_only: z.boolean().optional() }).strict().safeParse(parsed);
    if (!body.success) {
      const violations = body.error.issues.map((issue) => ({ field: issue.path.join('.'), description: issue.message }));
      return this.refuse(fcmError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.', [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }]), `bad message: ${JSON.stringify(violations)}`);
    }
    const message = body.data.message;
    if ([message.token, message.topic, message.condition].filter((t) => t !== undefined).length !== 1) {
      return this.refuse(fcmError(400, 'INVALID_ARGUMENT', 'Exactly one of token, topic or condition must be set'), 'not exactly one target');
    }
    const reserved = Object.keys(message.data ?? {}).find((key) => ['from', 'notification', 'message_type'].includes(key) || /^(google|gcm)/.test(key));
    if (reserved) return this.refuse(fcmError(400, 'INVALID_ARGUMENT', `Invalid data payload key: ${reserved}`), 'reserved data key');

    const answer = message.token === undefined ? undefined : this.answers.get(message.token);
    if (answer && message.token !== undefined) {
      if (answer.times !== undefined && answer.times <= 1) this.answers.delete(message.token);
      else if (answer.times !== undefined) this.answers.set(message.token, { ...answer, times: answer.times - 1 });
      const [status, rpcStatus] = STATUS_OF[answer.error];
      const fcmCode = answer.error === 'INVALID_TOKEN' ? 'INVALID_ARGUMENT' : answer.error;
      const details: object[] = [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcmCode }];
      if (answer.error === 'INVALID_TOKEN') {
        details.push({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] });
      }
      const reply = fcmError(status, rpcStatus, answer.error === 'INVALID_TOKEN' ? 'The registration token is not a valid FCM registration token' : answer.error, details);
      return answer.retryAfter === undefined ? reply : { ...reply, headers: { 'retry-after': answer.retryAfter } };
    }
    this.received.push({ project, message });
    return { status: 200, body: { name: `projects/${project}/messages/0:${this.received.length}` } };
  }
}
