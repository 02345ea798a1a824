import { ErrorCode } from './errors';

/** Whether a token was used or revoked, and when. */
export interface RefreshTokenState {
  readonly usedAtMs: number | null;
  readonly revokedAtMs: number | null;
}

/** What the server knows about a presented refresh token, if anything. */
export interface PresentedRefreshToken extends RefreshTokenState {
  readonly expiresAtMs: number;
  /** The token it was rotated into, as it stands now; null before it is spent (or when that one is gone). */
  readonly successor: RefreshTokenState | null;
}

export type RefreshDecision =
  | { readonly kind: 'rotate' }
  /**
   * A retry of a rotation whose answer was lost: the token was spent moments ago and the
   * successor it was rotated into was never used. That successor is revoked and a new one
   * issued in its place, so the session keeps exactly one live refresh token.
   */
  | { readonly kind: 'rotate_again' }
  /** A token already rotated or revoked came back: someone holds a copy. The whole family goes. */
  | { readonly kind: 'reuse_detected'; readonly code: typeof ErrorCode.REFRESH_TOKEN_REUSED }
  | { readonly kind: 'refused'; readonly code: typeof ErrorCode.REFRESH_TOKEN_INVALID };

/**
 * Rotating refresh tokens: each may be exchanged once, before it expires. A spent one presented
 * again within `reuseGraceMs` of its own rotation, while its successor is unused, is a device
 * retrying after the answer was lost (a phone's network dropped); anything else spent or revoked
 * is reuse. A grace of 0 makes every second presentation reuse.
 */
export function decideRefresh(token: PresentedRefreshToken | undefined, nowMs: number, reuseGraceMs: number): RefreshDecision {
  if (token === undefined) return { kind: 'refused', code: ErrorCode.REFRESH_TOKEN_INVALID };
  if (token.revokedAtMs !== null) return { kind: 'reuse_detected', code: ErrorCode.REFRESH_TOKEN_REUSED };
  if (token.usedAtMs !== null) {
    return isLostAnswerRetry(token.usedAtMs, token.successor, nowMs, reuseGraceMs)
      ? { kind: 'rotate_again' }
      : { kind: 'reuse_detected', code: ErrorCode.REFRESH_TOKEN_REUSED };
  }
  if (nowMs >= token.expiresAtMs) return { kind: 'refused', code: ErrorCode.REFRESH_TOKEN_INVALID };
  return { kind: 'rotate' };
}

/**
 * Within the grace of the token's own rotation (later retries do not extend it), and the chain
 * has not moved on. The rotation's time is another node's clock: a retry that seems to come
 * before it by more than the grace is out of it too.
 */
function isLostAnswerRetry(usedAtMs: number, successor: RefreshTokenState | null, nowMs: number, reuseGraceMs: number): boolean {
  if (Math.abs(nowMs - usedAtMs) >= reuseGraceMs) return false;
  return successor !== null && successor.usedAtMs === null && successor.revokedAtMs === null;
}
