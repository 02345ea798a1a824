import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { leaseKey } from '../../server/cluster/actorDrivers';
import { processChannel } from '../../server/cluster/processChannel';
import { SilentNodes } from '../../server/cluster/silentNodes';
import { scratchRedis, servicesOrSkip } from '../support/services';

const LEASE_LIFETIME_MS = 500;

/** What a join does with a node nobody hears any more: it waits for the node's lease to lapse, then sweeps. */
describe('a sweep of a silent node, on real Redis', function () {
  let redis: Awaited<ReturnType<typeof scratchRedis>> | undefined;
  let silentNodes: SilentNodes;
  const swept: string[] = [];
  const excluded: string[] = [];

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    redis = await scratchRedis(services.redisUrl);
    silentNodes = new SilentNodes({
      redis: redis.redis,
      leaseLifetimeMs: LEASE_LIFETIME_MS,
      sweep: async (processId) => void swept.push(processId),
      exclude: async (processId) => void excluded.push(processId),
      onSwept: () => undefined,
      now: Date.now,
    });
  });

  after(async () => {
    await redis?.close();
  });

  it('waits out a lease with more left than a lifetime from its start (a node killed just after renewing, read late), and sweeps', async () => {
    // The join that starts the sweep came a little after the last renewal: the lease has more left than a lifetime from now.
    await redis!.redis.set(leaseKey('dead-node'), '1', 'PX', LEASE_LIFETIME_MS + 300);
    assert.equal(await silentNodes.sweep('dead-node'), true);
    assert.deepEqual(swept, ['dead-node']);
    assert.deepEqual(excluded, ['dead-node']);
  });

  it('leaves a node that renews its lease alone', async () => {
    const renew = () => redis!.redis.set(leaseKey('live-node'), '1', 'PX', LEASE_LIFETIME_MS);
    await renew();
    const renewals = setInterval(() => void renew(), LEASE_LIFETIME_MS / 5);
    try {
      assert.equal(await silentNodes.sweep('live-node'), false);
    } finally {
      clearInterval(renewals);
    }
    assert.ok(!swept.includes('live-node') && !excluded.includes('live-node'), 'a live node was swept');
  });

  it('takes a node whose lease is gone for silent though Redis still holds its subscriber (a partition that reset no connection)', async () => {
    const [leased, lapsed] = [`leased-${randomUUID()}`, `lapsed-${randomUUID()}`];
    const subscriber = new Redis(redis!.url);
    try {
      await subscriber.subscribe(processChannel(leased), processChannel(lapsed));
      await redis!.redis.set(leaseKey(leased), '1', 'PX', 60_000);
      assert.equal(await silentNodes.isSilent(leased), false);
      assert.equal(await silentNodes.isSilent(lapsed), true);
      // Its lease is gone already: swept at once.
      assert.equal(await silentNodes.sweep(lapsed), true);
      assert.ok(swept.includes(lapsed) && !swept.includes(leased));
    } finally {
      subscriber.disconnect();
    }
  });
});
