import type { Kysely } from 'kysely';
import { deleteExpiredRevocations, insertRevocation, listLiveRevocations } from '../../db/repositories/tokenRevocationRepository';
import type { Database } from '../../db/types';
import { RevocationList, revocationLifetimeMs, type Revocation, type TokenFacts } from '../../domain/revocationList';
import type { TopicBus } from '../../services/topicBus';
import type { Logger } from '../logger';

/** The one key of the revocation bus: every node listens to it. */
export const REVOCATIONS_TOPIC = 'all';

/** How often expired revocations are forgotten, in memory and in storage. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Access tokens refused before they expire, the same on every node at once:
 * stored (a node starting later, or back from a Redis outage, reads them), then
 * announced on the bus (the running nodes add them before the revocation is
 * answered). Checking a token is a lookup in memory.
 */
export class TokenRevocations {
  private readonly list: RevocationList;
  /** How long each revocation is kept, stored and in memory (revocationLifetimeMs): as long as a token it refuses may be accepted. */
  private readonly lifetimeMs: number;
  private unsubscribe: (() => void) | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: TopicBus<Revocation>,
    /** Access-token lifetime: a revocation matters no longer than the tokens it refuses live (and the clocks' tolerance). */
    accessTokenTtlS: number,
    private readonly now: () => Date,
    private readonly logger: Logger,
    /**
     * Hears each revocation once on this node, whether the bus brought it or a read
     * after Redis trouble: an account's (a ban, an erasure), whose connections the
     * node's live events and lobbies close, or a log-in session's (a log-out, a reused
     * refresh token), whose connections every actor of the node closes.
     */
    private readonly onRevoked: (revocation: Revocation) => void = () => {},
  ) {
    this.lifetimeMs = revocationLifetimeMs(accessTokenTtlS);
    this.list = new RevocationList(this.lifetimeMs);
  }

  /** Listens first, then reads what is stored, so nothing revoked meanwhile is missed. */
  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(REVOCATIONS_TOPIC, (revocation) => this.add(revocation));
    await this.reload();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** Reads what is stored again: for a node back from a Redis outage, which heard nothing published meanwhile. */
  async reload(): Promise<void> {
    for (const revocation of await listLiveRevocations(this.db, this.now(), this.lifetimeMs)) this.add(revocation);
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.pruneTimer);
  }

  revokes(token: TokenFacts): Revocation['kind'] | undefined {
    return this.list.revokes(token, this.now().getTime());
  }

  /** Every token of the user issued until now (a ban). */
  revokeUser(userId: string): Promise<void> {
    return this.revoke('user', userId);
  }

  /** Every token of one log-in session (a log-out, a reused refresh token). */
  revokeSession(sessionId: string): Promise<void> {
    return this.revoke('session', sessionId);
  }

  private async revoke(kind: Revocation['kind'], subject: string): Promise<void> {
    const nowMs = this.now().getTime();
    const revocation: Revocation = { kind, subject, revokedAtMs: nowMs, expiresAtMs: nowMs + this.lifetimeMs };
    await insertRevocation(this.db, revocation);
    this.add(revocation);
    // Answered once every node refuses the tokens: a log-out's token opens nothing anywhere after it.
    await this.bus.publishApplied(REVOCATIONS_TOPIC, revocation);
  }

  private add(revocation: Revocation): void {
    if (!this.list.add(revocation)) return;
    try {
      this.onRevoked(revocation);
    } catch (error) {
      this.logger.warn({ err: error, kind: revocation.kind, subject: revocation.subject }, 'closing a revocation’s connections failed');
    }
  }

  private prune(): void {
    const now = this.now();
    this.list.prune(now.getTime());
    deleteExpiredRevocations(this.db, now, this.lifetimeMs).catch((error: unknown) => this.logger.warn({ err: error }, 'pruning token revocations failed; retried next period'));
  }
}
