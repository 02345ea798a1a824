import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { connectDevice, disconnect, registerUser, requestJson, waitUntil } from '../support/accounts';
import { liveActors, metricValue, startTestCluster, type TestCluster } from '../support/cluster';
import { joinThread, matchedPair } from '../support/matches';

/** The node process each actor of the cluster's shared listing names, by actor id. */
async function listing(redis: Redis): Promise<Map<string, string>> {
  const raw = await redis.hgetall('roomcaches');
  return new Map(Object.entries(raw).map(([roomId, json]) => [roomId, (JSON.parse(json) as { processId: string }).processId]));
}

/** True once no node of the cluster holds a connection, by their gauges. */
async function noConnections(nodes: readonly NodeHandle[]): Promise<boolean> {
  const held = await Promise.all(nodes.map((node) => metricValue(node, /^kismet_connections\{/)));
  return held.every((n) => n === 0);
}

/** Thread actors alive on the cluster's nodes, by their gauges (the earlier tests' threads linger). */
async function threadActors(nodes: readonly NodeHandle[]): Promise<number> {
  return liveActors(nodes, 'chat');
}

/** A suite's cluster of `count` nodes with this linger, and a connection to its Redis; `cluster` is undefined when skipped. */
function lingerCluster(count: number, lingerMs: string): { cluster?: TestCluster; redis: Redis } {
  const suite = {} as { cluster?: TestCluster; redis: Redis };
  before(async function () {
    suite.cluster = await startTestCluster(this, count, { ACTOR_LINGER_MS: lingerMs });
    if (suite.cluster) suite.redis = new Redis(suite.cluster.env['REDIS_URL']!);
  });
  after(async () => {
    suite.redis?.disconnect();
    await suite.cluster?.close();
  });
  return suite;
}

describe('an actor whose last connection closed', function () {
  describe('within its linger', function () {
    // A linger far longer than the test, so nothing here depends on how fast it runs.
    const suite = lingerCluster(2, '600000');

    it('is still listed and alive, and a device rejoining through either node reaches it', async () => {
      const nodes = suite.cluster!.nodes as [NodeHandle, NodeHandle];
      const user = await registerUser(nodes[0].url);
      const first = await connectDevice(nodes[0].url, user, 'phone');
      const home = first.ready.node;
      const sessionId = `session_${user.userId}`;
      const listedBefore = (await listing(suite.redis)).get(sessionId);
      assert.ok(listedBefore);

      await disconnect(first);
      await waitUntil(() => noConnections(nodes), 30_000, () => 'the connection to close');
      assert.equal((await listing(suite.redis)).get(sessionId), listedBefore);
      const sessionsAlive = await Promise.all(nodes.map((node) => liveActors([node], 'session')));
      assert.equal(sessionsAlive.reduce((a, b) => a + b, 0), 1, `session actors per node: ${sessionsAlive.join(', ')}`);

      for (const node of [...nodes].reverse()) {
        const again = await connectDevice(node.url, user, 'phone');
        assert.equal(again.ready.node, home);
        assert.equal((await listing(suite.redis)).get(sessionId), listedBefore);
        await disconnect(again);
      }
    });

    it('holds a chat thread too', async () => {
      const nodes = suite.cluster!.nodes as [NodeHandle, NodeHandle];
      const { a, b, matchId } = await matchedPair(nodes[0].url, [nodes[0].url, nodes[1].url]);
      const threadId = `chat_${matchId}`;
      const ta = await joinThread(nodes[1].url, a, matchId);
      const tb = await joinThread(nodes[0].url, b, matchId);
      const home = ta.ready.node;
      const listedBefore = (await listing(suite.redis)).get(threadId);
      assert.ok(listedBefore);
      await Promise.all([ta.room.leave(), tb.room.leave()]);
      await waitUntil(() => noConnections(nodes), 30_000, () => 'the connections to close');

      assert.equal((await listing(suite.redis)).get(threadId), listedBefore);
      const again = await joinThread(nodes[0].url, a, matchId);
      assert.equal(again.ready.node, home);
      await again.room.leave();
    });

    it('does not linger when it is disconnected: a thread an unmatch closed goes', async () => {
      const nodes = suite.cluster!.nodes as [NodeHandle, NodeHandle];
      const { a, b, matchId } = await matchedPair(nodes[0].url, [nodes[0].url, nodes[1].url]);
      const threadId = `chat_${matchId}`;
      const ta = await joinThread(nodes[1].url, a, matchId);
      assert.ok((await listing(suite.redis)).has(threadId));
      const threadsBefore = await threadActors(nodes);
      const unmatch = await requestJson<{ status: string }>(nodes[0].url, 'DELETE', `/me/matches/${matchId}`, { token: b.accessToken });
      assert.equal(unmatch.status, 200);
      // With a linger of ten minutes, only a thread that skips it leaves the listing within this bound.
      await waitUntil(async () => !(await listing(suite.redis)).has(threadId), 30_000, () => `${threadId} to leave the listing`);
      await waitUntil(async () => (await threadActors(nodes)) === threadsBefore - 1, 30_000, () => 'the thread actor to go');
      assert.equal(ta.room.connection.isOpen, false);
    });
  });

  describe('past its linger', function () {
    const suite = lingerCluster(1, '200');

    it('goes: out of the listing and off the node, and the next join creates it again', async () => {
      const [node] = suite.cluster!.nodes as [NodeHandle];
      const user = await registerUser(node.url);
      const sessionId = `session_${user.userId}`;
      await disconnect(await connectDevice(node.url, user, 'phone'));
      // A generous bound: this checks that the actor goes by itself, not how fast.
      await waitUntil(async () => !(await listing(suite.redis)).has(sessionId), 30_000, () => `${sessionId} to leave the listing`);
      await waitUntil(async () => (await liveActors([node], 'session')) === 0, 30_000, () => 'the session actor to go');

      const again = await connectDevice(node.url, user, 'phone');
      assert.ok((await listing(suite.redis)).has(sessionId));
      assert.equal(await liveActors([node], 'session'), 1);
      await disconnect(again);
    });
  });
});
