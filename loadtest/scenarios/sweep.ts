import { randomUUID } from 'node:crypto';
import { initializeRoomCache, type IRoomCache } from '@colyseus/core';
import { Redis } from 'ioredis';
import { actorRoomId } from '../../contracts/actors';
import { ActorRedisDriver, leaseKey } from '../../server/cluster/actorDrivers';
import { onCleanup } from '../harness/cleanup';
import { scratchRedis } from '../harness/scratchServices';

export interface SweepOptions {
  /** Listings of the live nodes' actors: the rest of the cluster's listing. */
  readonly listings: number;
  /** The dead node's actors. */
  readonly actors: number;
  readonly redisUrl: string;
  readonly redisDb: number;
}

/** Listings written at once while seeding. */
const SEED_BATCH = 1000;

/** Redis's own CPU so far (`INFO cpu`), and its reads of the whole listing (`HGETALL`: calls, and their time), in ms. */
async function redisFigures(redis: Redis): Promise<{ cpuMs: number; wholeReads: number; wholeReadMs: number }> {
  const info = (await redis.info('cpu')) + (await redis.info('commandstats'));
  const number = (pattern: RegExp) => Number(info.match(pattern)?.[1] ?? 0);
  return {
    cpuMs: (number(/^used_cpu_sys:([\d.]+)/m) + number(/^used_cpu_user:([\d.]+)/m)) * 1000,
    wholeReads: number(/^cmdstat_hgetall:calls=(\d+)/m),
    wholeReadMs: number(/^cmdstat_hgetall:calls=\d+,usec=(\d+)/m) / 1000,
  };
}

/**
 * What a live node's sweep of a dead node costs: the dead node's listings removed
 * from a cluster listing that holds many more, as `ActorRedisDriver.cleanup` does
 * it after the node's lease lapsed. Twice: a node that kept its index, and one that
 * kept none (an older Kismet, its listings written as that one wrote them), which
 * is looked for in the whole listing. No Kismet node runs; the sweeping driver runs
 * in this process, whose CPU is what a node's main thread would spend.
 */
export async function runSweep(options: SweepOptions): Promise<Record<string, number>> {
  const scratch = await scratchRedis(options.redisUrl, options.redisDb);
  onCleanup('scratch redis', () => scratch.close());
  const connections: Redis[] = [];
  onCleanup('sweep connections', async () => Promise.all(connections.map((c) => c.quit().catch(() => undefined))));
  /** A node's listing, the node holding its lease while it lists its actors (a node lists nothing without it). */
  const driverOf = async (processId: string) => {
    await scratch.redis.set(leaseKey(processId), '1');
    const connection = new Redis(scratch.url);
    connections.push(connection);
    return new ActorRedisDriver(connection, {
      processId: () => processId,
      holdsLocally: () => false,
      creationRefusal: () => undefined,
      onError: (operation, roomId, error) => {
        throw new Error(`${operation} ${roomId}: ${String(error)}`);
      },
      onLeaseAlive: (id) => {
        throw new Error(`${id} still holds a lease`);
      },
    });
  };
  const listing = (processId: string): IRoomCache =>
    initializeRoomCache({ name: 'session', roomId: actorRoomId('session', randomUUID()), processId, clients: 1, publicAddress: '10.0.0.12:2567', metadata: {} } as never);
  const seed = async (count: number, write: (room: IRoomCache) => Promise<unknown>, processId: string) => {
    for (let i = 0; i < count; i += SEED_BATCH) await Promise.all(Array.from({ length: Math.min(SEED_BATCH, count - i) }, () => write(listing(processId))));
  };

  const [live, dead] = [await driverOf('bench-live'), await driverOf('bench-dead')];
  await seed(options.listings, (room) => live.insert(room), 'bench-live');
  await seed(options.actors, (room) => dead.insert(room), 'bench-dead');
  await scratch.redis.del(leaseKey('bench-dead')); // it died: its lease lapsed
  // An older node wrote its listings with HSETNX alone.
  await seed(options.actors, (room) => scratch.redis.hsetnx('roomcaches', room.roomId, JSON.stringify(room)), 'bench-old');

  const measure = async (processId: string, key: string) => {
    const before = await redisFigures(scratch.redis);
    const [startedAt, cpu] = [performance.now(), process.cpuUsage()];
    await live.cleanup(processId);
    const [wallMs, used] = [performance.now() - startedAt, process.cpuUsage(cpu)];
    const after = await redisFigures(scratch.redis);
    return {
      [`${key}_ms`]: Math.round(wallMs),
      [`${key}_cpu_ms`]: Math.round((used.user + used.system) / 1000),
      [`${key}_redis_cpu_ms`]: Math.round(after.cpuMs - before.cpuMs),
      [`${key}_whole_listing_reads`]: after.wholeReads - before.wholeReads,
      [`${key}_whole_listing_read_ms`]: Math.round((after.wholeReadMs - before.wholeReadMs) * 10) / 10,
    };
  };
  const indexed = await measure('bench-dead', 'sweep');
  const unindexed = await measure('bench-old', 'unindexed_sweep');

  const owners = Object.values(await scratch.redis.hgetall('roomcaches')).map((raw) => (JSON.parse(raw) as { processId: string }).processId);
  const left = owners.filter((owner) => owner !== 'bench-live').length;
  const livesLost = options.listings - owners.filter((owner) => owner === 'bench-live').length;
  return {
    ops_per_s: Math.round((options.actors / Math.max(1, Number(indexed['sweep_ms']))) * 1000),
    errors: left + livesLost,
    server_rss_mb: 0,
    listings: options.listings,
    ...indexed,
    ...unindexed,
  };
}
