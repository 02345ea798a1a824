import assert from 'node:assert/strict';
import { initializeRoomCache } from '@colyseus/core';
import { Redis } from 'ioredis';
import { ActorRedisDriver, leaseKey } from '../../server/cluster/actorDrivers';
import { listedKey } from '../../server/cluster/listingScripts';
import { commandCalls, listedOwners } from '../support/redisListing';
import { privateServicesOrSkip, startPrivateRedis, type PrivateRedis } from '../support/privateServices';

const BYSTANDER_ACTORS = 1200;

/**
 * A sweep of a dead node reads that node's own actors, not the whole cluster's
 * listing (every actor of every node, as Colyseus's driver reads it): on a Redis
 * of its own, whose command counts are this test's alone.
 */
describe('the listing index of each node, on a Redis of its own', function () {
  let privateRedis: PrivateRedis | undefined;
  let redis: Redis;
  const connections: Redis[] = [];
  const spared: string[] = [];
  /** A node's listing, the node holding its lease (a node lists nothing without it). */
  const driverOf = async (processId: string) => {
    await redis.set(leaseKey(processId), '1', 'PX', 600_000);
    const connection = new Redis(privateRedis!.url);
    connections.push(connection);
    return new ActorRedisDriver(connection, {
      processId: () => processId,
      holdsLocally: () => false,
      creationRefusal: () => undefined,
      onError: (operation, roomId, error) => assert.fail(`${operation} ${roomId}: ${String(error)}`),
      onLeaseAlive: (id) => spared.push(id),
    });
  };
  const listing = (roomId: string, processId: string) => initializeRoomCache({ name: 'session', roomId, processId, clients: 0 } as never);
  const ownersOf = () => listedOwners(redis);

  before(async function () {
    const binaries = privateServicesOrSkip(this);
    if (!binaries) return;
    privateRedis = await startPrivateRedis(binaries.redisServer);
    redis = new Redis(privateRedis.url);
  });

  after(async () => {
    await Promise.all(connections.map((c) => c.quit().catch(() => undefined)));
    redis?.disconnect();
    await privateRedis?.destroy();
  });

  it('lets a sweep of a dead node read its actors alone, remove only its listings, and then its index', async () => {
    const [live, dead] = [await driverOf('node-live'), await driverOf('node-dead')];
    await Promise.all(Array.from({ length: BYSTANDER_ACTORS }, (_, i) => live.insert(listing(`session_live-${i}`, 'node-live'))));
    // The dead node's actors: created by insert and by persist, one gone before it died, one taken over by the live node since.
    for (let i = 0; i < 5; i++) assert.equal(await dead.insert(listing(`session_dead-${i}`, 'node-dead')), true);
    assert.equal(await dead.persist(listing('session_dead-persisted', 'node-dead'), true), true);
    assert.equal(await dead.remove('session_dead-0'), true);
    await redis.hdel('roomcaches', 'session_dead-1');
    assert.equal(await live.insert(listing('session_dead-1', 'node-live')), true);

    // While its lease runs it is spared, as before.
    await redis.set(leaseKey('node-dead'), '1', 'PX', 60_000);
    await live.cleanup('node-dead');
    assert.deepEqual(spared, ['node-dead']);
    assert.equal((await ownersOf()).filter((owner) => owner === 'node-dead').length, 4);

    await redis.del(leaseKey('node-dead'));
    await redis.config('RESETSTAT');
    await live.cleanup('node-dead');
    assert.equal((await commandCalls(redis))('hgetall'), 0, 'the sweep read the whole listing');
    const owners = await ownersOf();
    assert.equal(owners.filter((owner) => owner === 'node-dead').length, 0);
    assert.equal(owners.filter((owner) => owner === 'node-live').length, BYSTANDER_ACTORS + 1, 'the sweep removed a live node’s listing');
    assert.equal(await redis.exists(listedKey('node-dead')), 0, 'the dead node’s index outlived its sweep');
  });

  it('finds the actors of a node that kept no index (an older version) in the whole listing', async () => {
    const live = await driverOf('node-live');
    await redis.hset('roomcaches', 'session_old', JSON.stringify(listing('session_old', 'node-old')));
    await live.cleanup('node-old');
    assert.ok(!(await ownersOf()).includes('node-old'), 'the listing of a node without an index stayed');
  });

  it('drops the index of a node that stops once its actors are gone, and keeps one that still names some', async () => {
    const leaving = await driverOf('node-leaving');
    assert.equal(await leaving.insert(listing('session_leaving', 'node-leaving')), true);
    await leaving.dropOwnIndex();
    assert.equal(await redis.exists(listedKey('node-leaving')), 1, 'an index that names a listed actor was dropped');
    assert.equal(await leaving.remove('session_leaving'), true);
    // What Colyseus calls last as a node stops.
    await leaving.shutdown();
    assert.equal(await redis.exists(listedKey('node-leaving')), 0);
  });
});
