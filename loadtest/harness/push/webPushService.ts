import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, type ECDH } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import type { WebPushTarget } from '../../../domain/push/notification';
import { closeServer, listenHttps, type StandInReply, type TestCertificate } from './tlsStandIn';

/** One push the service accepted: what the sender said, and the payload it decrypted. */
export interface ReceivedWebPush {
  readonly endpoint: string;
  readonly ttl: number;
  readonly urgency: string | undefined;
  readonly topic: string | undefined;
  /** The VAPID JWT's claims and the key (`k`) that verified it. */
  readonly vapid: { readonly aud: string; readonly sub: string; readonly exp: number; readonly k: string };
  readonly payload: unknown;
}

/** An answer the service gives a subscription instead of accepting, `times` times (always when undefined). */
export interface WebPushAnswer {
  readonly status: 404 | 410 | 413 | 429 | 500 | 503;
  readonly retryAfter?: string;
  readonly times?: number;
}

interface Subscription {
  readonly ecdh: ECDH;
  readonly auth: Buffer;
  /** The VAPID public key the subscription was made for, as a browser's `applicationServerKey`. */
  readonly applicationServerKey: string;
}

const MAX_VAPID_LIFE_S = 24 * 60 * 60;
/** VAPID authorizations verified and remembered at most (a sender reuses one for hours). */
const MAX_VERIFIED = 1_000;

/**
 * A Web Push service (RFC 8030) on localhost over TLS, for tests: it verifies
 * each request's VAPID authorization (RFC 8292: an ES256 JWT signed by the key
 * `k`, for this origin, expiring within 24 hours, with a contact, `k` being
 * the key the subscription was made for), requires TTL and `aes128gcm`,
 * decrypts the body with the subscription's private key and auth secret
 * (RFC 8291), and records what it accepted.
 */
export class WebPushService extends EventEmitter {
  readonly received: ReceivedWebPush[] = [];
  /** Requests refused, with the status and why: a test that expects none can say so. */
  readonly refusals: { readonly status: number; readonly why: string }[] = [];
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly answers = new Map<string, WebPushAnswer>();
  private server: Server | undefined;
  private nextId = 0;
  /** Authorizations (JWT and key) already verified, with their claims: a sender signs one per push service and reuses it. */
  private readonly verified = new Map<string, { aud: string; sub: string; exp: number }>();
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  /** Pushes decrypted and waiting behind a hold. */
  held = 0;
  /** Holds of single subscriptions, by endpoint, and what each held. */
  private readonly endpointHolds = new Map<string, { readonly gate: Promise<void>; open(): void; readonly requests: HeldRequests }>();

  constructor(private readonly nowMs: () => number = Date.now) {
    super();
  }

  get origin(): string {
    return `https://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async listen(certificate: TestCertificate): Promise<string> {
    this.server = await listenHttps(certificate, (request, body) => this.handle(request, body));
    return this.origin;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  /** A browser's subscription made for `applicationServerKey`: a new P-256 key pair and auth secret. */
  subscribe(applicationServerKey: string): WebPushTarget {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const id = `s${++this.nextId}`;
    this.subscriptions.set(id, { ecdh, auth, applicationServerKey });
    return { platform: 'webpush', endpoint: `${this.origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
  }

  /** Answers pushes to `endpoint` with `answer` instead of accepting them. */
  answer(endpoint: string, answer: WebPushAnswer): void {
    this.answers.set(endpoint, answer);
  }

  /** Holds every valid push until `release()`: a sender sees no answer meanwhile (to kill it mid-delivery). */
  hold(): void {
    this.gate ??= new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  /**
   * Holds the valid pushes to one subscription until `releaseEndpoint()` (a slow
   * device among fast ones); what the result says of them stays readable after.
   */
  holdEndpoint(endpoint: string): HeldRequests {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const requests: HeldRequests = { arrived: 0, waiting: 0, mostWaiting: 0 };
    this.endpointHolds.set(endpoint, { gate, open, requests });
    return requests;
  }

  releaseEndpoint(endpoint: string): void {
    this.endpointHolds.get(endpoint)?.open();
    this.endpointHolds.delete(endpoint);
  }

  /** Resolves once `count` pushes have been accepted in all. */
  async waitForPushes(count: number): Promise<readonly ReceivedWebPush[]> {
    while (this.received.length < count) await new Promise((resolve) => this.once('push', resolve));
    return this.received;
  }

  private refuse(status: number, why: string): StandInReply {
    this.refusals.push({ status, why });
    return { status };
  }

  private async handle(request: IncomingMessage, body: Buffer): Promise<StandInReply> {
    const id = /^\/push\/(\w+)$/.exec(request.url ?? '')?.[1];
    const subscription = id === undefined ? undefined : this.subscriptions.get(id);
    if (request.method !== 'POST' || id === undefined || !subscription) return this.refuse(404, 'no such subscription');
    const endpoint = `${this.origin}/push/${id}`;

    const authorization = /^vapid t=([\w.-]+),\s*k=([\w-]+)$/.exec(request.headers.authorization ?? '');
    if (!authorization) return this.refuse(401, 'no VAPID authorization');
    const [, jwt, k] = authorization as unknown as [string, string, string];
    const claims = await this.verifyVapid(jwt, k);
    if (typeof claims === 'string') return this.refuse(401, claims);
    if (k !== subscription.applicationServerKey) return this.refuse(403, 'VAPID key is not the subscription’s');

    const ttl = request.headers['ttl'];
    if (typeof ttl !== 'string' || !/^\d+$/.test(ttl)) return this.refuse(400, 'TTL missing or not a number');
    const urgency = request.headers['urgency'];
    if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(String(urgency))) return this.refuse(400, 'bad Urgency');
    const topic = request.headers['topic'];
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(String(topic))) return this.refuse(400, 'bad Topic');
    if (request.headers['content-encoding'] !== 'aes128gcm') return this.refuse(415, 'not aes128gcm');
    if (body.length > 4096) return this.refuse(413, 'body over 4096 bytes');
    let payload: unknown;
    try {
      payload = JSON.parse(decryptAes128gcm(body, subscription).toString('utf8'));
    } catch (error) {
      return this.refuse(400, `cannot decrypt: ${(error as Error).message}`);
    }

    if (this.gate) {
      this.held++;
      await this.gate;
      this.held--;
    }
    const endpointHold = this.endpointHolds.get(endpoint);
    if (endpointHold) await waitCounted(endpointHold.gate, endpointHold.requests, request);
    const answer = this.answers.get(endpoint);
    if (answer) {
      if (answer.times !== undefined && answer.times <= 1) this.answers.delete(endpoint);
      else if (answer.times !== undefined) this.answers.set(endpoint, { ...answer, times: answer.times - 1 });
      return { status: answer.status, ...(answer.retryAfter === undefined ? {} : { headers: { 'retry-after': answer.retryAfter } }) };
    }
    this.received.push({ endpoint, ttl: Number(ttl), urgency: urgency as string | undefined, topic: topic as string | undefined, vapid: { ...claims, k }, payload });
    this.emit('push');
    return { status: 201, headers: { location: `${this.origin}/message/${this.received.length}` } };
  }

  /**
   * The JWT's claims if `k` signed it for this origin with a contact and an expiry within 24 hours; else why not.
   * Its signature is checked once; its expiry at every use.
   */
  private async verifyVapid(jwt: string, k: string): Promise<{ aud: string; sub: string; exp: number } | string> {
    const key = `${jwt} ${k}`;
    const known = this.verified.get(key);
    if (known) return known.exp > Math.floor(this.nowMs() / 1000) ? known : 'VAPID JWT refused: "exp" claim timestamp check failed';
    const claims = await this.verifyVapidSignature(jwt, k);
    if (typeof claims !== 'string') {
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(key, claims);
    }
    return claims;
  }

  private async verifyVapidSignature(jwt: string, k: string): Promise<{ aud: string; sub: string; exp: number } | string> {
    const raw = Buffer.from(k, 'base64url');
    if (raw.length !== 65 || raw[0] !== 4) return 'k is not an uncompressed P-256 key';
    const key = createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') } });
    try {
      const nowS = Math.floor(this.nowMs() / 1000);
      const { payload } = await jwtVerify(jwt, key, { algorithms: ['ES256'], audience: this.origin, requiredClaims: ['exp', 'sub'], currentDate: new Date(nowS * 1000) });
      if (payload.exp! > nowS + MAX_VAPID_LIFE_S) return 'VAPID JWT expires more than 24 hours ahead';
      if (!/^(mailto:|https:)/.test(String(payload.sub))) return 'VAPID sub is no contact';
      return { aud: this.origin, sub: String(payload.sub), exp: payload.exp! };
    } catch (error) {
      return `VAPID JWT refused: ${(error as Error).message}`;
    }
  }
}

/** Requests to a held subscription: how many came, how many wait now with their sender still connected, and the most that ever did at once. */
export interface HeldRequests {
  arrived: number;
  waiting: number;
  mostWaiting: number;
}

/** Waits for `gate`, counted in `requests` as waiting until it opens or the sender goes away. */
async function waitCounted(gate: Promise<void>, requests: HeldRequests, request: IncomingMessage): Promise<void> {
  requests.arrived++;
  requests.waiting++;
  requests.mostWaiting = Math.max(requests.mostWaiting, requests.waiting);
  let counted = true;
  const leave = () => {
    if (counted) requests.waiting--;
    counted = false;
  };
  request.socket.once('close', leave);
  try {
    await gate;
  } finally {
    request.socket.off('close', leave);
    leave();
  }
}

/** Decrypts one aes128gcm record (RFC 8188) for a Web Push subscription (RFC 8291 §3.4). */
function decryptAes128gcm(body: Buffer, subscription: Subscription): Buffer {
  if (body.length < 21) throw new Error('shorter than its header');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (idLength !== 65) throw new Error('key id is not the sender’s P-256 key');
  if (record.length > recordSize) throw new Error('more than one record');
  const receiverKey = subscription.ecdh.getPublicKey();
  const ecdhSecret = subscription.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiverKey, senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, subscription.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}
