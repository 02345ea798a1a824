import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode } from '../../domain/errors';
import type { Revocation, TokenFacts } from '../../domain/revocationList';

export const ACCESS_TOKEN_ISSUER = 'kismet';
export const ACCESS_TOKEN_AUDIENCE = 'kismet:rooms';

export interface AccessTokenClaims {
  readonly userId: string;
  /** The log-in session (refresh-token family) it was issued for. */
  readonly sessionId: string | undefined;
}

/** Seconds two nodes' clocks may differ by: a token signed on one is checked on another. */
export const CLOCK_TOLERANCE_S = 5;

/** Tokens whose signature was checked, remembered by this node (a device presents one token to every join and request). */
export const CHECKED_TOKENS_KEPT = 20_000;

/** What a token whose signature and claims were checked says, by its exact text. */
interface CheckedToken {
  readonly userId: string;
  readonly sessionId: string | undefined;
  readonly issuedAtS: number;
  readonly expiresAtS: number;
}

/** Answers whether a token was revoked before it expired (server/auth/tokenRevocations). */
export interface RevocationCheck {
  revokes(token: TokenFacts): Revocation['kind'] | undefined;
}

/** Signs and checks the short-lived HS256 access tokens that rooms and HTTP routes accept. */
export class AccessTokenService {
  /** Imported once: given raw bytes, jose would import the key again for every token it signs or checks. */
  readonly #key: Promise<CryptoKey>;
  readonly #ttlS: number;
  /**
   * The signature check is a WebCrypto job per token (about 6 % of a node's CPU when
   * devices rejoin); a token's text already checked needs only its times and the
   * revocation list again, which are read on every use.
   */
  readonly #checked = new LRUCache<string, CheckedToken>({ max: CHECKED_TOKENS_KEPT });
  #revocations: RevocationCheck | undefined;

  constructor(secret: string, ttlS: number, revocations?: RevocationCheck) {
    this.#key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.#ttlS = ttlS;
    this.#revocations = revocations;
  }

  /** Consults this list from now on (it needs storage and the bus, which start after the service). */
  useRevocations(revocations: RevocationCheck): void {
    this.#revocations = revocations;
  }

  get ttlS(): number {
    return this.#ttlS;
  }

  async sign(userId: string, sessionId?: string, nowS = Math.floor(Date.now() / 1000)): Promise<string> {
    return new SignJWT(sessionId === undefined ? {} : { sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + this.#ttlS)
      .sign(await this.#key);
  }

  /**
   * Throws AppError with TOKEN_MISSING, TOKEN_EXPIRED (also a token issued longer
   * ago than the lifetime), TOKEN_INVALID (also one issued in the future), TOKEN_REVOKED
   * (its session logged out or its refresh token was reused) or ACCOUNT_BANNED.
   */
  async verify(token: string | undefined | null, nowS = Date.now() / 1000): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new AppError(ErrorCode.TOKEN_MISSING, 'an access token is required');
    }
    const facts = this.#checked.get(token) ?? (await this.#checkSignature(token, nowS));
    // As jose checks them, every time: past its expiry, or issued longer ago than the lifetime.
    if (nowS >= facts.expiresAtS + CLOCK_TOLERANCE_S || nowS - facts.issuedAtS > this.#ttlS + CLOCK_TOLERANCE_S) {
      this.#checked.delete(token);
      throw new AppError(ErrorCode.TOKEN_EXPIRED, 'the access token has expired');
    }
    const revoked = this.#revocations?.revokes({ userId: facts.userId, sessionId: facts.sessionId, issuedAtMs: facts.issuedAtS * 1000 });
    // Every token of an account goes at once only when it is banned; one session's, when it logged out or leaked.
    if (revoked === 'user') throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned or deleted');
    if (revoked === 'session') throw new AppError(ErrorCode.TOKEN_REVOKED, 'the access token was revoked: log in again');
    return { userId: facts.userId, sessionId: facts.sessionId };
  }

  /** The signature and claims checked by jose, remembered once they hold. */
  async #checkSignature(token: string, nowS: number): Promise<CheckedToken> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.#key, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: this.#ttlS,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(nowS * 1000),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new AppError(ErrorCode.TOKEN_EXPIRED, 'the access token has expired', { cause: error });
      }
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token is not valid', { cause: error });
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token has no subject');
    }
    const facts: CheckedToken = {
      userId: payload.sub,
      sessionId: typeof payload['sid'] === 'string' ? payload['sid'] : undefined,
      issuedAtS: payload.iat as number,
      expiresAtS: payload.exp as number,
    };
    this.#checked.set(token, facts);
    return facts;
  }
}
