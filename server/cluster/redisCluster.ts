import { matchMaker } from '@colyseus/core';
import { BatchedRedisPresence } from './batchedPresence';
import { ActorRoom } from '../../rooms/actorRoom';
import { KismetCloseCode } from '../../contracts/common';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { NodeMetrics } from '../metrics';
import { ActorRedisDriver } from './actorDrivers';
import { ClusterLease } from './clusterLease';
import { leaseLifetimeMs } from './leaseTimes';
import { LeaseRenewals } from './leaseRenewals';
import { SilentNodes } from './silentNodes';
import { forgetSilentNodes } from './silentNodesAtStart';
import { processChannelListeners, processChannelsListeners } from './processChannel';
import { RemoteSeats } from './remoteSeats';
import { RedisRateLimiter } from './rateLimiters';
import { RedisConnections } from './redisConnections';

/** How long a starting node waits for Redis to answer. */
const START_WAIT_MS = 30_000;
/** How far the clocks of a cluster's nodes may differ, for what they stamp in storage. */
const CLOCK_SKEW_ALLOWANCE_MS = 10_000;

/** A node's part of a Redis cluster: presence, listing, rate limits, and its lease on its actors. */
export interface RedisCluster {
  readonly presence: BatchedRedisPresence;
  readonly driver: ActorRedisDriver;
  readonly rateLimits: RedisRateLimiter;
  readonly lease: ClusterLease;
  /** Nodes nobody hears any more, which a join waits out instead of their IPC timeout. */
  readonly silentNodes: SilentNodes;
  /** Seats in actors on other nodes, one message each way; started before the node is listed. */
  readonly remoteSeats: RemoteSeats;
  /** Whether a node listens on its process channel (a question about that one channel; fails while Redis is away). */
  readonly nodeListening: (processId: string) => Promise<boolean>;
  /** Before the start: counts the silent nodes no more, and sweeps them once their leases lapse (`silentNodesAtStart.ts`); never fails. */
  readonly forgetSilentNodes: () => Promise<void>;
  /** True while every connection to Redis is up. */
  readonly connected: () => boolean;
  /**
   * Runs `listener` (too) whenever a connection to Redis drops (`connection`), and when
   * Redis lost this node's lease and listings with its connections up (`keys`: a FLUSHDB, an eviction).
   */
  onTrouble(listener: (what: 'connection' | 'keys') => void): void;
  /**
   * Runs `listener` (too) when the node rejoins after Redis trouble, before its actors hear
   * of it; a listener that fails fails the rejoin, which is tried again on the next heartbeat.
   */
  onRejoined(listener: () => Promise<void>): void;
  /** Resolves once every connection answers (before the server starts: the listing never queues a command). */
  waitForRedis(): Promise<void>;
  /** Takes the lease and keeps it; once the node's process id is set (after listen). */
  holdLease(): Promise<void>;
  stop(): Promise<void>;
}

export function connectRedisCluster(config: Config, logger: Logger, metrics: NodeMetrics): RedisCluster {
  const url = config.redis!.url;
  const log = logger.child({ component: 'redis' });
  const connections = new RedisConnections(url, config.dependencyTimeoutMs, log, metrics);
  // Colyseus's presence expects its commands kept while Redis is away; listing writes,
  // the lease and rate-limit takes fail at once instead, and never run late.
  const publisher = connections.open('presence', { queueWhileDisconnected: true });
  const presence = new BatchedRedisPresence(publisher, config.dependencyTimeoutMs / 2);
  connections.watch(presence.subscriber, 'presence.subscriber');
  const listing = connections.open('listing', { queueWhileDisconnected: false });
  // Colyseus places no more actors on a node it no longer counts; a node that lives is counted again at its next report.
  const excludeNode = async (processId: string) => {
    await matchMaker.stats.excludeProcess(processId);
  };
  const sweepFailed = (processId: string, error: unknown) => log.warn({ err: error, processId }, 'a silent node’s listings were not swept');
  const driver = new ActorRedisDriver(listing, {
    processId: () => matchMaker.processId,
    holdsLocally: (roomId) => matchMaker.getLocalRoomById(roomId) !== undefined,
    creationRefusal: () => lease.creationRefusal(),
    onError: (operation, roomId, error) => log.warn({ err: error, operation, roomId }, 'listing write did not reach Redis'),
    // A node killed just after a renewal is still leased when the first health check gives up on it, and
    // Colyseus checks a node once (it drops it from its counts): its listings go once the lease lapses.
    onLeaseAlive: (processId) => {
      log.info({ processId }, 'a silent node still holds its lease: its actors stay listed until it lapses');
      silentNodes.sweep(processId).catch((error: unknown) => sweepFailed(processId, error));
    },
  });
  const silentNodes = new SilentNodes({
    redis: listing,
    leaseLifetimeMs: leaseLifetimeMs(config.staleNodeTimeoutMs),
    sweep: (processId) => driver.cleanup(processId),
    exclude: excludeNode,
    onSwept: () => metrics.silentNodeSweeps.inc(),
    now: Date.now,
  });
  const rateLimits = new RedisRateLimiter(connections.open('rateLimits', { queueWhileDisconnected: false }), config.rateLimits);

  const rejoinListeners: Array<() => Promise<void>> = [];
  const troubleListeners: Array<(what: 'connection' | 'keys') => void> = [];
  const lease = new ClusterLease({
    presence,
    leaseClient: listing,
    renewals: new LeaseRenewals({ redisUrl: url, timeoutMs: config.dependencyTimeoutMs, logger: log, now: Date.now }),
    processId: () => matchMaker.processId,
    staleNodeTimeoutMs: config.staleNodeTimeoutMs,
    logger: log,
    metrics,
    now: Date.now,
    fence: async () => {
      await Promise.all(ActorRoom.live().map((actor) => actor.leaveWith(KismetCloseCode.NODE_FENCED)));
    },
    rejoin: async (troubleSince) => {
      await driver.retryRemovals();
      for (const actor of ActorRoom.live()) {
        if (!actor.serving) continue;
        const outcome = await driver.reassert(actor.listing);
        if (outcome === 'failed') throw new Error(`the listing of ${actor.roomId} could not be reasserted`);
        if (outcome === 'taken') {
          log.error({ roomId: actor.roomId }, 'another node lists this actor now; this copy hands over');
          void actor.leaveWith(KismetCloseCode.ACTOR_MOVED);
        }
      }
      await matchMaker.stats.persist(true);
      for (const listener of rejoinListeners) await listener();
      // A dropped connection may be noticed late, but a node that did not fence heard one of its
      // heartbeats within 1¼ timeouts (a lease lifetime is more), and what was published before
      // it came before it. Other nodes stamp what they store by their own clocks.
      const missedSince = troubleSince - leaseLifetimeMs(config.staleNodeTimeoutMs) - CLOCK_SKEW_ALLOWANCE_MS;
      for (const actor of ActorRoom.live()) actor.onClusterRejoined(missedSince);
    },
    onLost: () => {
      for (const listener of troubleListeners) listener('keys');
    },
  });
  const remoteSeats = new RemoteSeats({
    presence,
    creationRefusal: () => lease.creationRefusal(),
    onOutcome: (outcome) => metrics.remoteSeats.inc({ outcome }),
  });
  connections.onDisconnected = () => {
    lease.noteTrouble();
    for (const listener of troubleListeners) listener('connection');
  };

  return {
    presence,
    driver,
    rateLimits,
    lease,
    silentNodes,
    remoteSeats,
    nodeListening: async (processId) => (await processChannelListeners(listing, processId)) > 0,
    forgetSilentNodes: () =>
      forgetSilentNodes({
        counted: async () => (await matchMaker.stats.fetchAll()).map((stat) => stat.processId).filter((id) => id !== matchMaker.processId),
        listeners: (processIds) => processChannelsListeners(listing, processIds),
        exclude: excludeNode,
        sweep: (processId) => silentNodes.sweep(processId),
        onSweepFailed: sweepFailed,
      }).then(
        (silent) => {
          if (silent.length > 0) log.info({ processIds: silent }, 'nodes nobody listens for are counted no more; their actors go once their leases lapse');
        },
        (error: unknown) => log.warn({ err: error }, 'the silent nodes were left to the start’s own check'),
      ),
    connected: () => connections.up,
    onTrouble: (listener) => troubleListeners.push(listener),
    onRejoined: (listener) => rejoinListeners.push(listener),
    waitForRedis: () => connections.ready(START_WAIT_MS),
    holdLease: () => lease.start(),
    async stop() {
      remoteSeats.stop();
      lease.stop();
      connections.onDisconnected = () => undefined;
      await connections.quitAll();
    },
  };
}
