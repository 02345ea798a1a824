/**
 * Access tokens refused before they expire. A revocation names every token of
 * a user issued up to a moment (`user`: a ban), or every token of one log-in session
 * (a log-out, a reused refresh token). It matters only as long as a token
 * issued before it could still be alive, so each carries its own expiry.
 */
export interface Revocation {
  readonly kind: 'user' | 'session';
  readonly subject: string;
  readonly revokedAtMs: number;
  readonly expiresAtMs: number;
}

export interface TokenFacts {
  readonly userId: string;
  /** The log-in session (refresh-token family) the token was issued for, if it says. */
  readonly sessionId: string | undefined;
  readonly issuedAtMs: number;
}

/** Seconds two nodes' clocks may differ by: a token signed on one is checked on another. */
export const CLOCK_TOLERANCE_S = 5;

/**
 * How long a revocation is kept (ms): as long as a token it refuses may be accepted.
 * A verifier takes a token until its lifetime and one tolerance past its `iat` (its
 * own clock may be behind), and that `iat` may be one tolerance past the revocation
 * (the signing node's clock ahead of the revoking one's): the lifetime and two tolerances.
 */
export function revocationLifetimeMs(accessTokenTtlS: number): number {
  return (accessTokenTtlS + 2 * CLOCK_TOLERANCE_S) * 1000;
}

export class RevocationList {
  /** The latest revocation moment per user, and per session; with when each may be forgotten. */
  private readonly users = new Map<string, Revocation>();
  private readonly sessions = new Map<string, Revocation>();

  /**
   * `lifetimeMs` (revocationLifetimeMs of this node's token lifetime): each revocation is kept
   * at least so long past its moment, whatever expiry it came with (one stored or announced
   * by a node with a shorter lifetime, or with an older rule, still covers this node's tokens).
   */
  constructor(private readonly lifetimeMs: number) {}

  /** True when it is news: no revocation of its subject as late was known. */
  add(revocation: Revocation): boolean {
    const table = revocation.kind === 'user' ? this.users : this.sessions;
    const known = table.get(revocation.subject);
    if (known && known.revokedAtMs >= revocation.revokedAtMs) return false;
    table.set(revocation.subject, { ...revocation, expiresAtMs: Math.max(revocation.expiresAtMs, revocation.revokedAtMs + this.lifetimeMs) });
    return true;
  }

  /**
   * What revoked a token, if anything: its user's revocation, when it was issued
   * (to the second, as tokens say) no later than that, give or take the clocks'
   * tolerance (a node whose clock is ahead signs a token with a later `iat`); or its session's.
   */
  revokes(token: TokenFacts, nowMs: number): Revocation['kind'] | undefined {
    const user = this.users.get(token.userId);
    if (user && user.expiresAtMs > nowMs && token.issuedAtMs <= user.revokedAtMs + CLOCK_TOLERANCE_S * 1000) return 'user';
    const session = token.sessionId === undefined ? undefined : this.sessions.get(token.sessionId);
    return session !== undefined && session.expiresAtMs > nowMs ? 'session' : undefined;
  }

  /** Forgets what no live token can be affected by any more. */
  prune(nowMs: number): void {
    for (const table of [this.users, this.sessions]) {
      for (const [subject, revocation] of table) if (revocation.expiresAtMs <= nowMs) table.delete(subject);
    }
  }

  get size(): number {
    return this.users.size + this.sessions.size;
  }
}
