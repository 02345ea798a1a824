import type { Redis } from 'ioredis';
import { leaseKey } from './actorDrivers';
import { nodesAlive } from './processChannel';

/** How long a node's answer to "is anyone listening on its channel" is taken as still true. */
const LISTENING_CHECK_MS = 200;
/** A sweep waits at most this many lease lifetimes for a lease to lapse. */
const LAPSE_WAITS = 2;
/** Time left that grew by more than this between two readings was renewed (readings' own delays aside). */
const RENEWAL_SLACK_MS = 250;

export interface SilentNodesDeps {
  /** A connection that never queues a command for later. */
  readonly redis: Redis;
  /** How long a node's lease lives after its last renewal. */
  readonly leaseLifetimeMs: number;
  /** Removes a node's listings, only once its lease is gone (ActorRedisDriver.cleanup). */
  readonly sweep: (processId: string) => Promise<void>;
  /** Stops placing new actors on a node (Colyseus's stats). */
  readonly exclude: (processId: string) => Promise<void>;
  /** Told of each silent node swept. */
  readonly onSwept: () => void;
  readonly now: () => number;
}

/**
 * Nodes that stopped listening, as a join finds them: a node killed without a
 * word leaves its actors listed until a sweep removes them, and each join that
 * finds one would send its seat request there and wait out Colyseus's IPC timeout
 * (then a health check as long) before trying again. Redis drops a dead process's
 * subscription at once, so a node with nobody on its process channel (`p:<id>`)
 * is taken as silent: the join waits for that node's lease to lapse, its listings
 * go, and the join creates the actor anew. So is a node whose lease is gone while
 * its channel still has a listener: cut off by a partition that reset no connection,
 * it fenced itself before its lease lapsed, and Redis may keep its connections for
 * minutes. The lease decides, as for every sweep: a node that renews it is alive,
 * however its channel looks.
 */
export class SilentNodes {
  private readonly listening = new Map<string, { readonly at: number; readonly answer: Promise<boolean> }>();
  private readonly sweeps = new Map<string, Promise<boolean>>();

  constructor(private readonly deps: SilentNodesDeps) {}

  /** True when nobody listens on the node's process channel, or its lease is gone (checked at most every 200 ms per node). */
  async isSilent(processId: string): Promise<boolean> {
    const now = this.deps.now();
    let check = this.listening.get(processId);
    if (!check || now - check.at > LISTENING_CHECK_MS) {
      const answer = nodesAlive(this.deps.redis, [processId])
        .then(([alive]) => !alive)
        .catch(() => false); // unknown: treated as listening, and the join goes its usual way
      check = { at: now, answer };
      this.listening.set(processId, check);
    }
    return check.answer;
  }

  /**
   * Waits for the node's lease to lapse, then removes its listings and stops placing
   * actors on it. True once they are gone; false when the node still renews its lease
   * (it is alive, only its channel is not), seen as time left that grew.
   */
  sweep(processId: string): Promise<boolean> {
    let sweep = this.sweeps.get(processId);
    if (!sweep) {
      sweep = this.sweepOnceLapsed(processId).finally(() => this.sweeps.delete(processId));
      this.sweeps.set(processId, sweep);
    }
    return sweep;
  }

  private async sweepOnceLapsed(processId: string): Promise<boolean> {
    // Not a deadline of one lifetime from now: a node killed just after a renewal leaves
    // nearly a lifetime, and a join's node short of CPU reads it again late. Giving up
    // then sent the join to the dead node, to wait out its answer (seconds, in a burst).
    const giveUpAt = this.deps.now() + LAPSE_WAITS * this.deps.leaseLifetimeMs;
    let last: { readonly leftMs: number; readonly at: number } | undefined;
    for (;;) {
      const at = this.deps.now();
      const leftMs = await this.deps.redis.pttl(leaseKey(processId));
      if (leftMs === -2) break; // no lease: the node is gone
      if (leftMs < 0 || this.deps.now() >= giveUpAt) return false;
      if (last && leftMs > last.leftMs - (at - last.at) + RENEWAL_SLACK_MS) return false; // renewed since
      last = { leftMs, at };
      await new Promise((resolve) => setTimeout(resolve, Math.max(10, Math.min(leftMs, giveUpAt - this.deps.now()))));
    }
    await this.deps.sweep(processId);
    await this.deps.exclude(processId);
    this.listening.delete(processId);
    this.deps.onSwept();
    return true;
  }
}
