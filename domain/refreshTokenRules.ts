import { ErrorCode } from './errors';

/** What the server knows about a presented refresh token, if anything. */
export interface PresentedRefreshToken {
  readonly expiresAtMs: number;
  readonly usedAtMs: number | null;
  readonly revokedAtMs: number | null;
}

export type RefreshDecision =
  | { readonly kind: 'rotate' }
  /** A token already rotated or revoked came back: someone holds a copy. The whole family goes. */
  | { readonly kind: 'reuse_detected'; readonly code: typeof ErrorCode.REFRESH_TOKEN_REUSED }
  | { readonly kind: 'refused'; readonly code: typeof ErrorCode.REFRESH_TOKEN_INVALID };

/** Rotating refresh tokens: each may be exchanged once, before it expires. */
export function decideRefresh(token: PresentedRefreshToken | undefined, nowMs: number): RefreshDecision {
  if (token === undefined) return { kind: 'refused', code: ErrorCode.REFRESH_TOKEN_INVALID };
  if (token.usedAtMs !== null || token.revokedAtMs !== null) {
    return { kind: 'reuse_detected', code: ErrorCode.REFRESH_TOKEN_REUSED };
  }
  if (nowMs >= token.expiresAtMs) return { kind: 'refused', code: ErrorCode.REFRESH_TOKEN_INVALID };
  return { kind: 'rotate' };
}
