import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { AppError, ErrorCode } from '../../domain/errors';

export const ACCESS_TOKEN_ISSUER = 'kismet';
export const ACCESS_TOKEN_AUDIENCE = 'kismet:rooms';

export interface AccessTokenClaims {
  readonly userId: string;
}

/** Signs and checks the short-lived HS256 access tokens that rooms and HTTP routes accept. */
export class AccessTokenService {
  readonly #key: Uint8Array;
  readonly #ttlS: number;

  constructor(secret: string, ttlS: number) {
    this.#key = new TextEncoder().encode(secret);
    this.#ttlS = ttlS;
  }

  get ttlS(): number {
    return this.#ttlS;
  }

  async sign(userId: string, nowS = Math.floor(Date.now() / 1000)): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + this.#ttlS)
      .sign(this.#key);
  }

  /** Throws AppError with TOKEN_MISSING, TOKEN_EXPIRED or TOKEN_INVALID. */
  async verify(token: string | undefined | null): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length === 0) {
      throw new AppError(ErrorCode.TOKEN_MISSING, 'an access token is required');
    }
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
      });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
        throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token has no subject');
      }
      return { userId: payload.sub };
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof joseErrors.JWTExpired) {
        throw new AppError(ErrorCode.TOKEN_EXPIRED, 'the access token has expired', { cause: error });
      }
      throw new AppError(ErrorCode.TOKEN_INVALID, 'the access token is not valid', { cause: error });
    }
  }
}
