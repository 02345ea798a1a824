import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { KismetCloseCode } from '../../contracts/common';
import { waitUntil } from '../support/accounts';
import { assertNothingLost, assertReadiness } from '../support/faultChecks';
import type { FaultCluster } from '../support/faultCluster';
import { joinEventually, sessionThrough, viewOf } from '../support/faultNodes';
import { SCENARIO_WAIT_MS, useFaultScenarios } from '../support/faultScenario';
import type { Traffic } from '../support/faultTraffic';
import { registerPerson } from '../support/matches';

/** The node process named by each listing of the cluster's shared listing. */
async function listedOn(cluster: FaultCluster): Promise<Map<string, string>> {
  const redis = new Redis(cluster.redis.url);
  try {
    const raw = await redis.hgetall('roomcaches');
    return new Map(Object.entries(raw).map(([roomId, listing]) => [roomId, (JSON.parse(listing) as { processId: string }).processId]));
  } finally {
    redis.disconnect();
  }
}

/**
 * Stops Redis and starts the likes; keeps Redis down until `downUntil()` holds and
 * traffic was refused (whatever the machine's pace), then starts it again, empty.
 */
async function restartRedis(cluster: FaultCluster, traffic: Traffic, downUntil: () => boolean | Promise<boolean>, what: string): Promise<{ cutAt: number; backAt: number }> {
  const cutAt = Date.now();
  await cluster.redis.stop();
  traffic.startLiking();
  await waitUntil(downUntil, SCENARIO_WAIT_MS, () => what);
  await waitUntil(() => traffic.record.codes().includes('UNAVAILABLE'), SCENARIO_WAIT_MS, () => 'a refusal');
  await cluster.redis.start();
  return { cutAt, backAt: Date.now() };
}

/** Stalls Redis (SIGSTOP: its connections stay open, unanswered) and starts the likes; resumes it once `until()` holds and traffic was refused. */
async function stallRedis(cluster: FaultCluster, traffic: Traffic, until: () => boolean | Promise<boolean>, what: string): Promise<{ cutAt: number; backAt: number }> {
  const cutAt = Date.now();
  cluster.redis.stall();
  traffic.startLiking();
  try {
    await waitUntil(until, SCENARIO_WAIT_MS, () => what);
    await waitUntil(() => traffic.record.codes().includes('UNAVAILABLE'), SCENARIO_WAIT_MS, () => 'a refusal');
  } finally {
    cluster.redis.resume();
  }
  return { cutAt, backAt: Date.now() };
}

describe('faults: Redis restarts, a stall and a partition under chat and swipe traffic on two nodes', function () {
  this.timeout(300_000);
  const scenarios = useFaultScenarios();

  /**
   * Redis away (`outage`, given what to wait for) until every node fenced itself:
   * readyz 503 and back, clients told (4507) and moved, never two copies of an
   * actor, nothing acknowledged lost.
   */
  async function everyNodeFencedAndBack(context: Mocha.Context, outage: typeof restartRedis) {
    if (!(await scenarios.start(context))) return;
    const { cluster } = scenarios;
    const urls = cluster.nodes.map((n) => n.url);
    const { traffic, runs, cutAt, backAt } = await scenarios.underTraffic((t) =>
      // Fenced, and seen not ready: a stalled Redis answers again at once when resumed, and nodes serve again within a second.
      outage(cluster, t, async () => scenarios.readiness.allNow(false) && (await Promise.all(urls.map(viewOf))).every((v) => v.fenced), 'both nodes to fence themselves and report not ready'),
    );
    assertReadiness(scenarios.readiness, urls, cutAt, backAt);
    assert.ok(traffic.record.closeCodes.includes(KismetCloseCode.NODE_FENCED), 'no client was told its node fenced itself');
    for (const run of [...runs.chats, ...runs.swipes]) assert.ok(run.connections >= 2, 'a participant was never moved off its fenced node');
    assert.deepEqual(scenarios.overlaps.overlaps(), []);
    await assertNothingLost(cluster, traffic.record, runs);
  }

  it('a Redis restart long enough to fence every node: refusals are UNAVAILABLE with a retry hint, clients are told (4507), everything comes back by itself', function () {
    return everyNodeFencedAndBack(this, restartRedis);
  });

  it('Redis stalled with its connections open (SIGSTOP) until every node fenced: refusals are UNAVAILABLE, clients are told (4507), everything comes back by itself', function () {
    return everyNodeFencedAndBack(this, stallRedis);
  });

  it('a quick Redis restart (it lost the listing): nodes keep serving on the same sockets, and a new connection reaches the same actor', async function () {
    // Nodes fence after 1¼ STALE_NODE_TIMEOUT_MS without Redis: far longer than this restart.
    if (!(await scenarios.start(this, { env: { STALE_NODE_TIMEOUT_MS: '20000' } }))) return;
    const { cluster } = scenarios;
    const urls = cluster.nodes.map((n) => n.url);
    const { traffic, runs, cutAt, backAt } = await scenarios.underTraffic(async (t) => {
      const times = await restartRedis(cluster, t, () => scenarios.readiness.allNow(false), 'both nodes to report not ready');
      await waitUntil(() => scenarios.readiness.allNow(true), SCENARIO_WAIT_MS, () => 'both nodes ready');
      // Redis came back empty: each node put its actors back in the listing, so a member joining
      // through the other node reaches the thread's one actor instead of creating a second.
      const views = await Promise.all(urls.map(viewOf));
      for (const pair of cluster.chatPairs) {
        const roomId = `chat_${pair.matchId}`;
        const holder = views.findIndex((v) => v.actors.some((a) => a.roomId === roomId));
        assert.notEqual(holder, -1, `no node serves ${roomId}`);
        const instance = views[holder]!.actors.find((a) => a.roomId === roomId)!;
        const other = await joinEventually(() => ThreadClient.join(urls[1 - holder]!, pair.a, pair.matchId));
        assert.equal(other.ready.node, views[holder]!.nodeId);
        // The very instance that was serving: none created beside it.
        assert.deepEqual((await viewOf(urls[holder]!)).actors.filter((a) => a.roomId === roomId), [instance]);
        other.close();
      }
      return times;
    });
    assertReadiness(scenarios.readiness, urls, cutAt, backAt);
    for (const run of [...runs.chats, ...runs.swipes]) assert.equal(run.connections, 1);
    assert.deepEqual(scenarios.overlaps.overlaps(), []);
    await assertNothingLost(cluster, traffic.record, runs);
  });

  it('a node cut off from Redis: it stops serving before the cluster takes its actors (never two at once), its clients end up on the other node, and it rejoins', async function () {
    if (!(await scenarios.start(this, { env: { ACTOR_PLACEMENT: 'local' } }))) return;
    const { cluster } = scenarios;
    const [n0, n1] = cluster.nodes;
    const [id0, id1] = cluster.nodeIds;
    const identities = [...cluster.chatPairs.map((p) => `chat_${p.matchId}`), ...cluster.swipers.map((s) => `session_${s.userId}`)];
    const { traffic, runs, cutAt, backAt } = await scenarios.underTraffic(
      async (t) => {
        // Every participant joined through node 0, so node 0 serves every actor of the traffic.
        const before = await viewOf(n0.url);
        for (const id of identities) assert.ok(before.actors.some((a) => a.roomId === id), `${id} is not on node 0`);

        // Registered now: right after node 0 rejoins, a call that takes a Redis bucket may still be refused UNAVAILABLE for a moment.
        const newcomer = await registerPerson(n0.url, 'newcomer');
        const cutAt = Date.now();
        cluster.proxy.cut();
        t.startLiking();
        // Each user's other device joins through node 1 meanwhile: it must reach the one actor,
        // which node 1 may create only once node 0 no longer serves it.
        const tablets = await Promise.all([
          ...cluster.chatPairs.map((pair) => joinEventually(() => ThreadClient.join(n1.url, pair.b, pair.matchId))),
          ...cluster.swipers.map((person) => joinEventually(() => sessionThrough(n1.url, person, 'tablet'))),
        ]);
        for (const tablet of tablets) assert.equal(tablet.ready.node, id1);
        // Both nodes' own lists, read in turn a few times more: node 0 no longer serves what node 1 does.
        const sampled = scenarios.overlaps.sampleCount;
        await waitUntil(() => scenarios.overlaps.sampleCount >= sampled + 4, SCENARIO_WAIT_MS, () => 'the nodes to be sampled');
        assert.deepEqual(scenarios.overlaps.overlaps(), [], 'actors served by both nodes at once');
        t.mark();
        await t.flowing(3); // everyone is served again, on node 1
        for (const tablet of tablets) tablet.close();
        assert.equal((await viewOf(n0.url)).actors.length, 0);

        cluster.proxy.restore();
        const backAt = Date.now();
        await waitUntil(async () => !(await viewOf(n0.url)).fenced, SCENARIO_WAIT_MS, () => 'node 0 to rejoin');
        // Node 0's old listings did not come back: every actor of the traffic is listed on node 1.
        const listing = await listedOn(cluster);
        for (const id of identities) assert.equal(listing.get(id), id1, `${id} listed on ${listing.get(id)}`);
        // And node 0 serves again: a new user's session is created there (placement is local).
        const session = await joinEventually(() => sessionThrough(n0.url, newcomer, 'phone'));
        assert.equal(session.ready.node, id0);
        session.close();
        return { cutAt, backAt };
      },
      () => [0, 1],
    );
    assertReadiness(scenarios.readiness, [n0.url], cutAt, backAt);
    assert.equal(scenarios.readiness.firstAfter(n1.url, false, cutAt), undefined, 'node 1 stopped being ready');
    // What clients saw: each was told its node fenced itself, and went on through node 1.
    const participants = runs.chats.length + runs.swipes.length;
    assert.ok(traffic.record.closeCodes.filter((c) => c === KismetCloseCode.NODE_FENCED).length >= participants);
    for (const run of [...runs.chats, ...runs.swipes]) assert.ok(run.nodes.has(id0) && run.nodes.has(id1), [...run.nodes].join());
    // What the nodes saw: never one actor on both at once.
    assert.ok(scenarios.overlaps.sampleCount > 10);
    assert.deepEqual(scenarios.overlaps.overlaps(), []);
    await assertNothingLost(cluster, traffic.record, runs);
  });
});
