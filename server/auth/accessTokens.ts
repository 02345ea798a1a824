import { createSigner, createVerifier } from 'fast-jwt';
import { LRUCache } from 'lru-cache';
import { AppError, ErrorCode } from '../../domain/errors';
import { CLOCK_TOLERANCE_S, type Revocation, type TokenFacts } from '../../domain/revocationList';

export const ACCESS_TOKEN_ISSUER = 'kismet';
export const ACCESS_TOKEN_AUDIENCE = 'kismet:rooms';

export interface AccessTokenClaims {
  readonly userId: string;
  /** The log-in session (refresh-token family) it was issued for: every token names one, so a log-out can revoke it. */
  readonly sessionId: string;
  /** When it was signed (ms since the epoch): a revocation refuses the tokens signed before it. */
  readonly issuedAtMs: number;
}

export { CLOCK_TOLERANCE_S };

/**
 * The claims a token must carry, present and not only right when present: a token
 * without `iss` or `aud` would pass the library's checks of them, and one without
 * `sid` would outlive a log-out of its session.
 */
export const REQUIRED_CLAIMS = ['sub', 'sid', 'iss', 'aud', 'iat', 'exp'] as const;

/** Tokens whose signature was checked, remembered by this node (a device presents one token to every join and request). */
export const CHECKED_TOKENS_KEPT = 20_000;

/** What a token whose signature and claims were checked says, by its exact text. */
interface CheckedToken {
  readonly userId: string;
  readonly sessionId: string;
  readonly issuedAtS: number;
  readonly expiresAtS: number;
}

/** Answers whether a token was revoked before it expired (server/auth/tokenRevocations). */
export interface RevocationCheck {
  revokes(token: TokenFacts): Revocation['kind'] | undefined;
}

/** Signs and checks the short-lived HS256 access tokens that rooms and HTTP routes accept. */
export class AccessTokenService {
  readonly #signer: (payload: Record<string, unknown>) => string;
  /**
   * Signature, algorithm, issuer, audience and the claims a token must carry,
   * checked synchronously with node:crypto (a WebCrypto check cost 50–110 µs of
   * CPU per token here, this one 6–10 µs). Its times are checked below, against
   * the caller's clock, on every use.
   */
  readonly #verifier: (token: string) => Record<string, unknown>;
  readonly #ttlS: number;
  /** A token's text already checked needs only its times and the revocation list again, which are read on every use. */
  readonly #checked = new LRUCache<string, CheckedToken>({ max: CHECKED_TOKENS_KEPT });
  #revocations: RevocationCheck | undefined;

  constructor(secret: string, ttlS: number, revocations?: RevocationCheck) {
    const key = Buffer.from(secret, 'utf8');
    this.#signer = createSigner({ key, algorithm: 'HS256' });
    this.#verifier = createVerifier({
      key,
      algorithms: ['HS256'],
      allowedIss: ACCESS_TOKEN_ISSUER,
      allowedAud: ACCESS_TOKEN_AUDIENCE,
      requiredClaims: [...REQUIRED_CLAIMS],
      // Expiry and age are checked against the caller's clock (verify's nowS), not the library's.
      ignoreExpiration: true,
      cache: false,
    });
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

  async sign(userId: string, sessionId: string, nowS = Math.floor(Date.now() / 1000)): Promise<string> {
    return this.#signer({
      sub: userId,
      sid: sessionId,
      iss: ACCESS_TOKEN_ISSUER,
      aud: ACCESS_TOKEN_AUDIENCE,
      iat: nowS,
      exp: nowS + this.#ttlS,
    });
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
    const facts = this.#checked.get(token) ?? this.#checkSignature(token, nowS);
    // Every time: past its expiry, or issued longer ago than the lifetime.
    if (nowS >= facts.expiresAtS + CLOCK_TOLERANCE_S || nowS - facts.issuedAtS > this.#ttlS + CLOCK_TOLERANCE_S) {
      this.#checked.delete(token);
      throw new AppError(ErrorCode.TOKEN_EXPIRED, 'the access token has expired');
    }
    const revoked = this.#revocations?.revokes({ userId: facts.userId, sessionId: facts.sessionId, issuedAtMs: facts.issuedAtS * 1000 });
    // Every token of an account goes at once only when it is banned; one session's, when it logged out or leaked.
    if (revoked === 'user') throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned or deleted');
    if (revoked === 'session') throw new AppError(ErrorCode.TOKEN_REVOKED, 'the access token was revoked: log in again');
    return { userId: facts.userId, sessionId: facts.sessionId, issuedAtMs: facts.issuedAtS * 1000 };
  }

  /**
   * Why a token verified earlier would be refused now, if it would: its account
   * banned or erased (`user`), or its session logged out (`session`) since. A seat
   * reserved with it is checked so when it is taken.
   */
  revocationOf(token: TokenFacts): Revocation['kind'] | undefined {
    return this.#revocations?.revokes(token);
  }

  /** The signature and claims checked, remembered once they hold. */
  #checkSignature(token: string, nowS: number): CheckedToken {
    let payload: Record<string, unknown>;
    try {
      payload = this.#verifier(token);
    } catch (error) {
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token is not valid', { cause: error });
    }
    const { sub, sid, iat, exp } = payload;
    if (typeof sub !== 'string' || sub.length === 0) {
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token has no subject');
    }
    if (typeof sid !== 'string' || sid.length === 0) {
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token names no log-in session');
    }
    if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) {
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token has no valid times');
    }
    if (iat > nowS + CLOCK_TOLERANCE_S) {
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token was issued in the future');
    }
    const facts: CheckedToken = { userId: sub, sessionId: sid, issuedAtS: iat, expiresAtS: exp };
    this.#checked.set(token, facts);
    return facts;
  }
}
