import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { SessionEventType, type DevicesChangedMessage } from '../../contracts/session';
import { connectDevice, disconnect, waitUntil, type Device } from '../support/accounts';
import { metricValue } from '../support/cluster';
import { ReadinessWatch } from '../support/faultChecks';
import { startFaultCluster, type FaultCluster } from '../support/faultCluster';
import { joinEventually, viewOf } from '../support/faultNodes';
import { SCENARIO_WAIT_MS } from '../support/faultScenario';
import { messagesOfType } from '../support/matches';

const REDIS_ERRORS = /^kismet_dependency_errors_total\{dependency="redis"[,}]/;

/** Which node serves `roomId` now, and since when, by each node's own view: one entry per instance. */
async function instancesOf(urls: readonly string[], roomId: string): Promise<Array<{ node: number; since: number }>> {
  const views = await Promise.all(urls.map(viewOf));
  return views.flatMap((view, node) => view.actors.filter((a) => a.roomId === roomId).map((a) => ({ node, since: a.since })));
}

/** A command on the private Redis, on a connection of the test's own (the nodes' connections stay as they are). */
async function onRedis<T>(cluster: FaultCluster, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(cluster.redis.url);
  try {
    return await command(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * Redis can lose its keys with every connection up: a FLUSHDB or FLUSHALL, an eviction
 * under an allkeys-* policy. No connection drops, so nothing but a node's lease renewal
 * can tell it lost its listings; until it put them back, a join through the other node
 * found no listing and made a second copy of a live actor, which both went on serving.
 */
describe('faults: Redis loses its keys with every connection up (FLUSHDB)', function () {
  this.timeout(300_000);
  let cluster: FaultCluster | undefined;
  const threads: ThreadClient[] = [];
  const devices: Device[] = [];

  before(async function () {
    // Placement balanced (the default): a new actor may go to either node, the one holding it or the other.
    cluster = await startFaultCluster(this, { chatPairs: 4, swipers: 0 });
  });

  after(async () => {
    for (const thread of threads) thread.close();
    await Promise.all(devices.map(disconnect));
    await cluster?.close();
  });

  it('each node puts its listings back before any creates: one actor per thread and session, joined through either node, messages live both ways, /readyz 503 meanwhile', async function () {
    if (!cluster) return this.skip();
    const urls = cluster.nodes.map((n) => n.url);
    // Each pair's first member holds the thread, and a session with a phone, through node 0.
    const held = await Promise.all(
      cluster.chatPairs.map(async (pair) => {
        const thread = await ThreadClient.join(urls[0]!, pair.a, pair.matchId);
        const phone = await connectDevice(urls[0]!, pair.a, 'phone');
        threads.push(thread);
        devices.push(phone);
        return { pair, thread, phone };
      }),
    );
    const before = new Map<string, { node: number; since: number }>();
    for (const { pair } of held) {
      for (const roomId of [`chat_${pair.matchId}`, `session_${pair.a.userId}`]) {
        const instances = await instancesOf(urls, roomId);
        assert.equal(instances.length, 1, `${roomId}: ${JSON.stringify(instances)}`);
        before.set(roomId, instances[0]!);
      }
    }

    const readiness = new ReadinessWatch(urls);
    try {
      const flushedAt = Date.now();
      await onRedis(cluster, (redis) => redis.flushdb());
      // Through the node that does not hold it: the other member joins the thread, the first opens a tablet.
      const joined = await Promise.all(
        held.map(async ({ pair }) => {
          const thread = before.get(`chat_${pair.matchId}`)!;
          const session = before.get(`session_${pair.a.userId}`)!;
          const other = await joinEventually(() => ThreadClient.join(urls[1 - thread.node]!, pair.b, pair.matchId));
          threads.push(other);
          const tablet = await joinEventually(() => connectDevice(urls[1 - session.node]!, pair.a, 'tablet'));
          devices.push(tablet);
          return { other, tablet };
        }),
      );

      for (const [i, { pair, thread, phone }] of held.entries()) {
        const { other, tablet } = joined[i]!;
        // The very instances that were serving, reached through the other node: none created beside them.
        for (const roomId of [`chat_${pair.matchId}`, `session_${pair.a.userId}`]) {
          assert.deepEqual(await instancesOf(urls, roomId), [before.get(roomId)], `${roomId}: two actors of one identity`);
        }
        assert.equal(other.ready.node, cluster.nodeIds[before.get(`chat_${pair.matchId}`)!.node]);
        assert.equal(tablet.ready.node, cluster.nodeIds[before.get(`session_${pair.a.userId}`)!.node]);
        assert.deepEqual(tablet.ready.devices.map((d) => d.deviceId).sort(), ['phone', 'tablet']);
        await waitUntil(
          () => messagesOfType<DevicesChangedMessage>(phone, SessionEventType.DEVICES_CHANGED).some((m) => m.devices.some((d) => d.deviceId === 'tablet')),
          SCENARIO_WAIT_MS,
          () => 'the phone to be told of the tablet',
        );
        // Live both ways, each on the connection it had.
        assert.ok('ok' in (await thread.sendText(`a-${i}`, `from a ${i}`)), 'a’s message refused');
        assert.ok('ok' in (await other.sendText(`b-${i}`, `from b ${i}`)), 'b’s message refused');
        await waitUntil(() => other.delivered.some((m) => m.body === `from a ${i}`), SCENARIO_WAIT_MS, () => `b ${i} to receive a's message live`);
        await waitUntil(() => thread.delivered.some((m) => m.body === `from b ${i}`), SCENARIO_WAIT_MS, () => `a ${i} to receive b's message live`);
        assert.equal(thread.open, true, 'the first member was moved off the thread');
      }
      // Each node said it was not in the cluster until its listings were back.
      for (const url of urls) assert.notEqual(readiness.firstAfter(url, false, flushedAt), undefined, `${url} stayed ready after Redis lost its listings`);
      await waitUntil(() => readiness.allNow(true), SCENARIO_WAIT_MS, () => 'both nodes ready again');
    } finally {
      await readiness.stop();
    }
  });

  it('one listing evicted alone (its node’s lease kept): a join through the node that holds the actor takes a seat in it, not in a second copy beside it', async function () {
    if (!cluster) return this.skip();
    const urls = cluster.nodes.map((n) => n.url);
    const { a, b, matchId } = cluster.chatPairs[0]!;
    const roomId = `chat_${matchId}`;
    const first = await ThreadClient.join(urls[0]!, a, matchId);
    threads.push(first);
    const [instance] = await instancesOf(urls, roomId);
    assert.ok(instance, `no node serves ${roomId}`);
    assert.equal(await onRedis(cluster, (redis) => redis.hdel('roomcaches', roomId)), 1);
    const second = await joinEventually(() => ThreadClient.join(urls[instance.node]!, b, matchId));
    threads.push(second);
    assert.equal(second.ready.node, cluster.nodeIds[instance.node]);
    assert.deepEqual(await instancesOf(urls, roomId), [instance], `${roomId}: two actors of one identity`);
    assert.ok('ok' in (await second.sendText('evicted-b', 'from b after the eviction')), 'b’s message refused');
    await waitUntil(() => first.delivered.some((m) => m.body === 'from b after the eviction'), SCENARIO_WAIT_MS, () => 'a to receive b’s message live');
  });

  it('counts a Redis connection closed by Redis (CLIENT KILL) among kismet_dependency_errors_total', async function () {
    if (!cluster) return this.skip();
    const before = await Promise.all(cluster.nodes.map((node) => metricValue(node, REDIS_ERRORS)));
    // Every node's plain connections (not the test's own): closed cleanly, no error event.
    await onRedis(cluster, (redis) => redis.client('KILL', 'TYPE', 'normal'));
    const counted = async () => (await Promise.all(cluster!.nodes.map((node) => metricValue(node, REDIS_ERRORS)))).every((value, n) => value > (before[n] || 0));
    await waitUntil(counted, SCENARIO_WAIT_MS, () => `the closes to be counted (before: ${before.join()})`);
  });
});
