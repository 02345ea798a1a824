import type { Presence } from '@colyseus/core';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { NodeMetrics } from '../metrics';
import { leaseKey } from './actorDrivers';
import type { LeaseRenewalPlan } from './leaseRenewals';
import { leaseLifetimeMs, stuckAfterMs } from './leaseTimes';

/** Heartbeats (and lease renewals) per STALE_NODE_TIMEOUT_MS. */
const BEATS_PER_TIMEOUT = 10;
/**
 * A node fences itself once no heartbeat sent in the last 1¼ STALE_NODE_TIMEOUT_MS came back.
 * Not sooner: a node short of CPU in a burst of joins or rejoins can go a second or more
 * without reading its sockets, and a node that fences then drops every client onto the
 * others, which are as busy: an outage made of load alone.
 */
const FENCE_AFTER = 5 / 4;
/** Renews the lease on the node's behalf while its main thread turns (LeaseRenewals, on a thread of its own). */
export interface LeaseRenewer {
  /** Resolves once the thread renewed the lease (or gave up waiting for that: the fence then counts from the take). */
  start(plan: LeaseRenewalPlan): Promise<void>;
  noteTurn(at: number): void;
  renewedSentAt(): number;
  /** When the last renewal that found the lease lapsed was sent (0: none did). */
  lapsedSentAt(): number;
  /** When the last renewal that found the lease lost by Redis (and made it again) was sent (0: none did). */
  lostSentAt(): number;
  /** Lets the thread take a lapsed lease again, or no longer. */
  allowRetake(allowed: boolean): void;
  stop(): void;
}

export interface ClusterLeaseDeps {
  readonly presence: Presence;
  /** A connection that never queues a command for later: the renewal that takes the lease must never land late. */
  readonly leaseClient: Redis;
  readonly renewals: LeaseRenewer;
  readonly processId: () => string;
  readonly staleNodeTimeoutMs: number;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  readonly now: () => number;
  /** Stop serving: disconnect the clients of every local actor and dispose them. */
  readonly fence: () => Promise<void>;
  /**
   * Back in touch with Redis after it dropped: drop the listings of gone actors,
   * reassert those of live ones (Redis may have lost them), report the room count.
   * `troubleSince`: when the trouble was first seen.
   */
  readonly rejoin: (troubleSince: number) => Promise<void>;
  /** Redis lost the lease, and the node's listings with it, without a connection dropping (a FLUSHDB, an eviction). */
  readonly onLost: () => void;
}

/**
 * This node's right to serve its actors, kept through Redis.
 *
 * The other nodes take a node for dead once its process channel is gone from Redis
 * and it has not answered a health check for STALE_NODE_TIMEOUT_MS; they then drop
 * its actors from the listing, and the next join re-creates them elsewhere. A node
 * cut off from Redis cannot hear that, so it stops serving first, on its own clock:
 *
 * - every tenth of the timeout it publishes a heartbeat to its own channel (a round
 *   trip through Redis on the same connections the health checks use), and a thread
 *   of its own renews its lease key (PX 1½ timeouts, on a connection that never sends
 *   a command late) for as long as the main thread was seen turning within 5 timeouts;
 * - once either has not succeeded for 1¼ timeouts, counted from the send time of
 *   the last one that did, or a renewal found the lease lapsed, it fences itself:
 *   every client of its actors is disconnected with 4507, its actors are disposed,
 *   joins and creations are refused (UNAVAILABLE) and /readyz answers 503;
 * - a renewal never brings back a lapsed lease (`SET ... XX`): the others take a node
 *   whose lease is gone for dead, whoever still listens on its channels (a partition
 *   that resets no connection), so the lease is taken again only once the node
 *   fenced itself and its actors are gone;
 * - a sweep never removes the listings of a node whose lease key still exists, so a
 *   node that lost Redis only for a moment (and missed a health check) keeps its
 *   actors, and no other node creates them meanwhile;
 * - a main thread that was stalled (no heartbeat for half a timeout) counts its
 *   heartbeats' silence from when it turned again: the answer to the one it sent
 *   before is still unread in its socket. While it was stalled it served nobody, and
 *   its lease, renewed from the other thread, kept its actors from the others.
 *
 * A lease gone well within its lifetime was lost by Redis (a FLUSHDB, an eviction,
 * a restart too quick to drop a connection), with the node's listings: trouble, as a
 * dropped connection is, noted at the next heartbeat or creation.
 *
 * When the heartbeat comes back after any connection trouble, the node rejoins:
 * it drops the listings of its gone actors and reasserts those of its live ones.
 * From the trouble until then, and for one lease lifetime after, it creates no actor
 * (and /readyz answers 503 until then), so that every other node that lost Redis too
 * has either fenced itself or reasserted its own listings by then (a restarted
 * Redis may have lost the whole listing).
 */
export class ClusterLease {
  private lastRoundTripSentAt: number;
  private lastLeaseSentAt: number;
  private lastBeatAt: number;
  /** The main thread turned again after a stall at this time. */
  private resumedAt = 0;
  private fencedAt: number | undefined;
  private fencing: Promise<void> | undefined;
  /** Connection trouble was seen at this time; the node rejoins once a heartbeat sent after it returns. */
  private troubleSince: number | undefined;
  /** Trouble seen while a rejoin was under way: what that rejoin reasserted may be lost again. */
  private troubleAgainAt: number | undefined;
  private rejoining = false;
  private creationHeldUntil = 0;
  /** The renewal that last found the lease lost by Redis, once noted. */
  private lostSeenAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: ClusterLeaseDeps) {
    const now = deps.now();
    this.lastRoundTripSentAt = now;
    this.lastLeaseSentAt = now;
    this.lastBeatAt = now;
  }

  private get channel(): string {
    return `kismet:heartbeat:${this.deps.processId()}`;
  }

  private get periodMs(): number {
    return Math.max(10, Math.floor(this.deps.staleNodeTimeoutMs / BEATS_PER_TIMEOUT));
  }

  /** Takes the lease (resolves once Redis holds it) and keeps it. */
  async start(): Promise<void> {
    const listener = (sentAt: unknown) => {
      if (typeof sentAt === 'number') this.roundTripDone(sentAt);
    };
    await this.deps.presence.subscribe(this.channel, listener);
    this.unsubscribe = () => {
      Promise.resolve(this.deps.presence.unsubscribe(this.channel, listener)).catch((error: unknown) =>
        this.deps.logger.debug({ err: error }, 'heartbeat channel not unsubscribed'),
      );
    };
    await this.takeLease(this.deps.now());
    // The thread boots (seconds on a busy machine) before its first renewal: beating before
    // it renewed would count its boot as the lease's silence, and fence the node at its start.
    // Till then the node serves nothing, and the thread may take a lease that lapsed meanwhile.
    this.deps.renewals.allowRetake(true);
    await this.deps.renewals.start({
      key: leaseKey(this.deps.processId()),
      periodMs: this.periodMs,
      lifetimeMs: leaseLifetimeMs(this.deps.staleNodeTimeoutMs),
      maxStallMs: stuckAfterMs(this.deps.staleNodeTimeoutMs),
      renewedSentAt: this.lastLeaseSentAt,
    });
    this.deps.renewals.allowRetake(false);
    this.deps.metrics.fenced.set(0);
    const now = this.deps.now();
    this.lastBeatAt = now;
    // The first heartbeat is sent now: its silence counts from here, not from the lease's
    // making, which came before the rest of the node's setup.
    this.resumedAt = now;
    this.timer = setInterval(() => this.beat(), this.periodMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.deps.renewals.stop();
    this.unsubscribe?.();
  }

  /** A Redis connection dropped: once Redis answers again, this node rejoins the cluster. */
  noteTrouble(): void {
    if (this.rejoining) this.troubleAgainAt ??= this.deps.now();
    else this.troubleSince ??= this.deps.now();
  }

  /** True while this node serves no actor: it lost Redis for 1¼ STALE_NODE_TIMEOUT_MS. */
  get fenced(): boolean {
    return this.fencedAt !== undefined;
  }

  /**
   * True while this node holds its place in the cluster: not fenced, and no connection
   * trouble since it last reasserted its listings (a restarted Redis may have lost them).
   */
  get inCluster(): boolean {
    return !this.fenced && this.troubleSince === undefined;
  }

  /**
   * What is unavailable when this node may not create an actor now: fenced, back but
   * with its own listings not yet reasserted, or just back and waiting for the others.
   * Until its listings are back, another node's actor missing from a restarted Redis
   * would be created here a second time.
   */
  creationRefusal(): string | undefined {
    this.noteLoss(); // not at the next heartbeat only: the lease is made again meanwhile, and a creation would be listed
    if (this.fenced) return 'this node (cut off from the cluster)';
    if (this.troubleSince !== undefined || this.deps.now() < this.creationHeldUntil) return 'this node (rejoining the cluster)';
    return undefined;
  }

  private beat(): void {
    const now = this.deps.now();
    this.deps.renewals.noteTurn(now);
    const stalledForMs = now - this.lastBeatAt;
    this.lastBeatAt = now;
    const fenceAfterMs = this.deps.staleNodeTimeoutMs * FENCE_AFTER;
    this.noteLoss();
    const renewedSentAt = this.deps.renewals.renewedSentAt();
    const leaseAdvanced = renewedSentAt > this.lastLeaseSentAt;
    if (leaseAdvanced) this.lastLeaseSentAt = renewedSentAt;
    if (stalledForMs > this.deps.staleNodeTimeoutMs / 2) {
      this.resumedAt = now;
      const kept = now - this.lastLeaseSentAt <= fenceAfterMs;
      if (stalledForMs > fenceAfterMs && kept && !this.fenced) this.deps.logger.warn({ stalledForMs }, 'the event loop was stalled; its lease was kept meanwhile');
    }
    const lastOk = Math.min(Math.max(this.lastRoundTripSentAt, this.resumedAt), this.lastLeaseSentAt);
    // A late heartbeat alone is no trouble to rejoin from (a busy event loop delays it): a
    // dropped connection is (Redis may have restarted empty), and so is a fence.
    if (!this.fenced && now - lastOk > fenceAfterMs) this.fenceOff(now - lastOk);
    // Lapsed after its last renewal (a whole process frozen longer than its lifetime): the others may sweep it now.
    if (!this.fenced && this.deps.renewals.lapsedSentAt() > this.lastLeaseSentAt) this.fenceOff(now - lastOk, 'its lease lapsed');
    Promise.resolve(this.deps.presence.publish(this.channel, now)).catch((error: unknown) =>
      this.deps.logger.debug({ err: error }, 'heartbeat not published'),
    );
    if (leaseAdvanced) this.maybeRejoin();
  }

  /** Redis lost the lease (the renewal thread made it again): the listings went too, and are put back as after a dropped connection. */
  private noteLoss(): void {
    const lostAt = this.deps.renewals.lostSentAt();
    if (lostAt <= this.lostSeenAt) return;
    this.lostSeenAt = lostAt;
    this.deps.logger.warn('Redis lost this node’s lease and listings (flushed or evicted): no actor is created until they are back');
    this.noteTrouble();
    this.deps.onLost();
  }

  /** Takes the lease from this thread (the node is listed only once Redis holds it); the renewal thread keeps it. */
  private async takeLease(sentAt: number): Promise<void> {
    const lifetimeMs = leaseLifetimeMs(this.deps.staleNodeTimeoutMs);
    await this.deps.leaseClient.set(leaseKey(this.deps.processId()), '1', 'PX', lifetimeMs);
    this.lastLeaseSentAt = Math.max(this.lastLeaseSentAt, sentAt);
    this.maybeRejoin();
  }

  private roundTripDone(sentAt: number): void {
    this.lastRoundTripSentAt = Math.max(this.lastRoundTripSentAt, sentAt);
    this.maybeRejoin();
  }

  private fenceOff(silentForMs: number, why = 'cut off from Redis'): void {
    this.fencedAt = this.deps.now();
    this.deps.metrics.fenced.set(1);
    this.deps.metrics.fences.inc();
    const now = this.deps.now();
    this.deps.logger.error(
      { silentForMs, heartbeatSilentForMs: now - this.lastRoundTripSentAt, leaseSilentForMs: now - this.lastLeaseSentAt, staleNodeTimeoutMs: this.deps.staleNodeTimeoutMs },
      `${why}: fencing this node (its clients go elsewhere)`,
    );
    this.fencing = this.deps
      .fence()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'fencing did not finish cleanly'))
      // Serving nobody now: a lease that lapsed may be taken again, and the node rejoin with it.
      .then(() => this.deps.renewals.allowRetake(this.fenced));
  }

  /** Rejoins once both a heartbeat and a lease renewal sent after the trouble came back. */
  private maybeRejoin(): void {
    const since = this.troubleSince ?? this.fencedAt;
    if (since === undefined || this.rejoining) return;
    if (Math.min(this.lastRoundTripSentAt, this.lastLeaseSentAt) <= since) return;
    this.rejoining = true;
    void (async () => {
      try {
        await this.fencing; // every actor is gone before the node takes new ones
        await this.deps.rejoin(since);
        this.creationHeldUntil = this.deps.now() + leaseLifetimeMs(this.deps.staleNodeTimeoutMs);
        if (this.fencedAt !== undefined) this.deps.logger.warn({ fencedForMs: this.deps.now() - this.fencedAt }, 'Redis is back: this node serves again');
        else this.deps.logger.info('Redis is back: listings reasserted');
        this.fencedAt = undefined;
        this.fencing = undefined;
        this.deps.renewals.allowRetake(false);
        this.troubleSince = this.troubleAgainAt;
        this.deps.metrics.fenced.set(0);
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'rejoining the cluster failed; retried on the next heartbeat');
      } finally {
        this.troubleAgainAt = undefined;
        this.rejoining = false;
      }
    })();
  }
}
