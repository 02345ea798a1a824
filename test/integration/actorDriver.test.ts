import assert from 'node:assert/strict';
import { initializeRoomCache } from '@colyseus/core';
import { Redis } from 'ioredis';
import { ActorRedisDriver } from '../../server/cluster/actorDrivers';
import { scratchRedis, servicesOrSkip } from '../support/services';

describe('ActorRedisDriver on real Redis', function () {
  let redis: Awaited<ReturnType<typeof scratchRedis>> | undefined;
  const connections: Redis[] = [];
  let drivers: ActorRedisDriver[] = [];

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    redis = await scratchRedis(services.redisUrl);
    drivers = [0, 1].map(() => {
      const connection = new Redis(redis!.url);
      connections.push(connection);
      return new ActorRedisDriver(connection);
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
});
