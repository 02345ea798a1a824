import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { leaseKey } from '../../server/cluster/actorDrivers';
import { processChannelListeners } from '../../server/cluster/processChannel';
import { waitUntil } from '../support/accounts';
import { sessionThrough, viewOf } from '../support/faultNodes';
import { SCENARIO_WAIT_MS, useFaultScenarios } from '../support/faultScenario';

/**
 * A real partition drops packets and resets no connection: Redis keeps the cut-off
 * node's connections, and its process channel's subscriber, for as long as its
 * keepalive takes to notice (minutes). The node fences itself and lets its lease
 * lapse; the others must take it for dead by its lease alone.
 */
describe('faults: a node cut off from Redis by a partition that resets no connection', function () {
  const scenarios = useFaultScenarios();

  it('its users join through the other node once its lease lapsed, while Redis still counts its subscriber', async function () {
    if (!(await scenarios.start(this, { env: { ACTOR_PLACEMENT: 'local' }, chatPairs: 1, swipers: 2 }))) return;
    const { cluster } = scenarios;
    const [n0, n1] = cluster.nodes;
    const [id0, id1] = cluster.nodeIds;
    const person = cluster.swipers[0]!;
    const pair = cluster.chatPairs[0]!;
    // Both actors are created on node 0 (placement is local).
    const phone = await sessionThrough(n0.url, person, 'phone');
    const thread = await ThreadClient.join(n0.url, pair.a, pair.matchId);
    assert.equal(phone.ready.node, id0);
    assert.equal(thread.ready.node, id0);

    const redis = new Redis(cluster.redis.url);
    try {
      cluster.proxy.blackhole();
      await waitUntil(async () => (await viewOf(n0.url)).fenced, SCENARIO_WAIT_MS, () => 'node 0 to fence itself');
      await waitUntil(async () => (await redis.pttl(leaseKey(id0))) === -2, SCENARIO_WAIT_MS, () => 'node 0’s lease to lapse');
      // Nothing was reset: Redis still hears node 0 on its process channel.
      assert.ok((await processChannelListeners(redis, id0)) > 0, 'Redis dropped node 0’s subscriber');

      // The same users, through node 1: served there, not refused UNAVAILABLE for as long as Redis keeps node 0's connections.
      const tablet = await sessionThrough(n1.url, person, 'tablet');
      const otherSide = await ThreadClient.join(n1.url, pair.b, pair.matchId);
      assert.equal(tablet.ready.node, id1);
      assert.equal(otherSide.ready.node, id1);
      // And node 0, which let its lease lapse, serves none of them.
      assert.equal((await viewOf(n0.url)).actors.length, 0);
      assert.equal(await redis.exists(leaseKey(id0)), 0, 'node 0 took its lease again while cut off');
      tablet.close();
      otherSide.close();

      // The partition heals: node 0, its actors gone, takes its lease again and serves again.
      cluster.proxy.restore();
      await waitUntil(async () => !(await viewOf(n0.url)).fenced, SCENARIO_WAIT_MS, () => 'node 0 to rejoin');
      assert.equal(await redis.exists(leaseKey(id0)), 1);
    } finally {
      phone.close();
      thread.close();
      redis.disconnect();
    }
  });
});
