import assert from 'node:assert/strict';
import { initializeRoomCache } from '@colyseus/core';
import { Redis } from 'ioredis';
import { ActorRedisDriver, leaseKey } from '../../server/cluster/actorDrivers';
import { scratchRedis, servicesOrSkip } from '../support/services';

describe('ActorRedisDriver on real Redis', function () {
  let redis: Awaited<ReturnType<typeof scratchRedis>> | undefined;
  const connections: Redis[] = [];
  let drivers: ActorRedisDriver[] = [];
  const driverErrors: string[] = [];
  const sparedNodes: string[] = [];
  /** Why each node may not create now (ClusterLease.creationRefusal), if it may not. */
  const refusals: Array<string | undefined> = [undefined, undefined];
  const listing = (roomId: string, processId: string) => initializeRoomCache({ name: 'session', roomId, processId, clients: 0 } as never);
  const listedOn = async (roomId: string) => {
    const raw = await redis!.redis.hget('roomcaches', roomId);
    return raw === null ? undefined : (JSON.parse(raw) as { processId: string; clients: number; locked: boolean });
  };

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    redis = await scratchRedis(services.redisUrl);
    // Each node holds its lease, as a serving node does (a node lists nothing without it).
    for (const n of [0, 1]) await redis.redis.set(leaseKey(`node-${n}`), '1', 'PX', 600_000);
    drivers = [0, 1].map((n) => {
      const connection = new Redis(redis!.url);
      connections.push(connection);
      return new ActorRedisDriver(connection, {
        processId: () => `node-${n}`,
        holdsLocally: () => false,
        creationRefusal: () => refusals[n],
        onError: (operation, roomId, error) => driverErrors.push(`${operation} ${roomId}: ${String(error)}`),
        onLeaseAlive: (processId) => sparedNodes.push(processId),
      });
    });
  });

  after(async () => {
    await Promise.all(connections.map((c) => c.quit()));
    await redis?.close();
  });

  describe('insert', () => {
    it('lets exactly one of two racing nodes record each actor id', async () => {
      const ids = Array.from({ length: 300 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      const outcomes = await Promise.all(
        ids.map((userId) =>
          Promise.all(
            drivers.map((driver, n) =>
              driver.insert(initializeRoomCache({ name: 'session', roomId: `session_${userId}`, processId: `node-${n}`, userId } as never)),
            ),
          ),
        ),
      );
      for (const [i, pair] of outcomes.entries()) assert.equal(pair.filter(Boolean).length, 1, `id ${ids[i]} recorded ${pair.filter(Boolean).length} times`);
      assert.equal(await redis!.redis.hlen('roomcaches'), ids.length);
    });

    it('lists nothing while its node may not create, nor once Redis lost its lease (a FLUSHDB, an eviction)', async () => {
      const roomId = 'session_unleased';
      refusals[0] = 'this node (rejoining the cluster)';
      assert.equal(await drivers[0]!.insert(listing(roomId, 'node-0')), false);
      refusals[0] = undefined;
      await redis!.redis.del(leaseKey('node-0'));
      try {
        assert.equal(await drivers[0]!.insert(listing(roomId, 'node-0')), false);
        assert.equal(await listedOn(roomId), undefined);
      } finally {
        await redis!.redis.set(leaseKey('node-0'), '1', 'PX', 600_000);
      }
      assert.equal(await drivers[0]!.insert(listing(roomId, 'node-0')), true);
      assert.deepEqual(driverErrors, []);
    });
  });

  describe('findOne by actor identity', () => {
    it('finds the listing by its id and honours the locked condition', async () => {
      const userId = '11111111-1111-4111-8111-111111111111';
      await drivers[0]!.insert(initializeRoomCache({ name: 'session', roomId: `session_${userId}`, processId: 'node-0', userId, locked: true } as never));
      const any = await drivers[1]!.findOne({ name: 'session', userId } as never);
      assert.equal(any?.roomId, `session_${userId}`);
      const unlocked = await drivers[1]!.findOne({ name: 'session', userId, locked: false } as never);
      assert.equal(unlocked, undefined);
    });

    it('finds nothing for an actor that does not exist', async () => {
      assert.equal(await drivers[0]!.findOne({ name: 'session', userId: 'nobody', locked: false } as never), undefined);
    });
  });

  describe('writes of a node that no longer holds an actor', () => {
    // Node 1 was cut off; node 0 re-created the actor under the same id meanwhile.
    it('never remove or overwrite the listing of the node that holds it now', async () => {
      const roomId = 'session_taken-over';
      assert.equal(await drivers[0]!.insert(listing(roomId, 'node-0')), true);
      const stale = listing(roomId, 'node-1');
      assert.equal(await drivers[1]!.remove(roomId), false);
      assert.equal(await drivers[1]!.update(stale, { $set: { locked: true } }), false);
      assert.equal(await drivers[1]!.persist(stale, true), false);
      assert.equal(await drivers[1]!.reassert(stale), 'taken');
      const after = await listedOn(roomId);
      assert.deepEqual([after?.processId, after?.locked], ['node-0', false]);
      // The holder itself updates and removes its listing as before.
      const own = listing(roomId, 'node-0');
      assert.equal(await drivers[0]!.update(own, { $set: { locked: true } }), true);
      assert.equal((await listedOn(roomId))?.locked, true);
      assert.equal(await drivers[0]!.remove(roomId), true);
      assert.equal(await listedOn(roomId), undefined);
      assert.deepEqual(driverErrors, []);
    });

    it('keep seat counts in the node: only a change of locked is written', async () => {
      const roomId = 'session_seat-counts';
      const own = listing(roomId, 'node-0');
      assert.equal(await drivers[0]!.insert(own), true);
      const written = await redis!.redis.hget('roomcaches', roomId);
      // What Colyseus does at every seat it reserves, and at every leave.
      assert.equal(await drivers[0]!.update(own, { $inc: { clients: 1 }, $set: { locked: false } }), true);
      assert.equal(await drivers[0]!.update(own, { $inc: { clients: 1 }, $set: { locked: false } }), true);
      assert.equal(await drivers[0]!.update(own, { $inc: { clients: -1 }, $set: { locked: false } }), true);
      assert.equal(own.clients, 1);
      assert.equal(await redis!.redis.hget('roomcaches', roomId), written);
      // An actor that starts to go locks its listing: written, with the count as it is then.
      assert.equal(await drivers[0]!.update(own, { $inc: { clients: 1 }, $set: { locked: true } }), true);
      assert.deepEqual([(await listedOn(roomId))?.locked, (await listedOn(roomId))?.clients], [true, 2]);
      assert.equal(await drivers[0]!.update(own, { $set: { locked: false } }), true);
      assert.equal((await listedOn(roomId))?.locked, false);
      assert.deepEqual(driverErrors, []);
    });

    it('reassert a listing Redis lost, and only persist creates one', async () => {
      const roomId = 'session_lost';
      assert.equal(await drivers[0]!.update(listing(roomId, 'node-0'), { $set: { locked: true } }), false);
      assert.equal(await listedOn(roomId), undefined);
      assert.equal(await drivers[0]!.reassert(listing(roomId, 'node-0')), 'kept');
      assert.equal((await listedOn(roomId))?.processId, 'node-0');
    });
  });

  describe('a sweep of a silent node', () => {
    it('removes its listings only once its lease is gone, and only its own', async () => {
      const [mine, other] = ['session_swept-1', 'session_swept-2'];
      assert.equal(await drivers[1]!.insert(listing(mine, 'node-1')), true);
      assert.equal(await drivers[0]!.insert(listing(other, 'node-0')), true);
      await redis!.redis.set(leaseKey('node-1'), '1', 'PX', 60_000);
      await drivers[0]!.cleanup('node-1');
      assert.equal((await listedOn(mine))?.processId, 'node-1');
      assert.deepEqual(sparedNodes, ['node-1']);
      await redis!.redis.del(leaseKey('node-1'));
      await drivers[0]!.cleanup('node-1');
      assert.equal(await listedOn(mine), undefined);
      assert.equal((await listedOn(other))?.processId, 'node-0');
    });
  });
});
