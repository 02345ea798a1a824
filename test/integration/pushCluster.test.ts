import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { CLUSTER_ENTRY_TTL_S } from '../../server/push/connectedDevices';
import { command, connectDevice, disconnect, registerUser, waitUntil } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { joinThread, matchPeople, registerPerson, replyOf } from '../support/matches';
import { pushesTo, registerWebPush, useWebPushStandIn } from '../support/push/pushedNode';

const PAIRS = 12;

describe('push outbox on a two-node cluster', function () {
  const standIn = useWebPushStandIn();
  const suite = useTestCluster(2, Object.assign(standIn.env, { PUSH_LEASE_MS: '2000', ACTOR_PLACEMENT: 'local' }));

  it('keeps a connected device in Redis for a week from its connection, and lets it go at its goodbye', async () => {
    const redis = new Redis(suite.cluster.env['REDIS_URL']!);
    try {
      const user = await registerUser(suite.nodes[0].url);
      const key = `kismet:devices:${user.userId}`;
      const device = await connectDevice(suite.nodes[0].url, user, 'phone');
      await waitUntil(async () => (await redis.hget(key, 'phone')) !== null, 10_000, () => 'the device counted as connected');
      const ttl = await redis.ttl(key);
      assert.ok(ttl > CLUSTER_ENTRY_TTL_S - 60 && ttl <= CLUSTER_ENTRY_TTL_S, `a node's entries outlive it by a week at most (ttl ${ttl} s)`);
      await disconnect(device);
      await waitUntil(async () => (await redis.exists(key)) === 0, 10_000, () => 'the entry to go at the goodbye');
    } finally {
      redis.disconnect();
    }
  });

  it('a node killed with SIGKILL mid-delivery leaves every push delivered, a repeat at most once with the same id and collapse key', async () => {
    const [n0, n1] = suite.nodes;
    const pairs = [];
    for (let i = 0; i < PAIRS; i++) {
      const [a, b] = await Promise.all([registerPerson(n0.url, `A${i}`), registerPerson(n1.url, `B${i}`)]);
      const matchId = await matchPeople(a, b, [n0.url, n1.url]);
      const target = await registerWebPush(i % 2 ? n1.url : n0.url, standIn.service, b, 'phone');
      pairs.push({ a, matchId, target });
    }

    const threads = await Promise.all(pairs.map((pair, i) => joinThread(i % 2 ? n1.url : n0.url, pair.a, pair.matchId)));
    // Held for less than the providers' timeout, so the only repeats are the killed node's.
    standIn.service.hold();
    await Promise.all(threads.map(async (thread, i) => replyOf(await command(thread.room, 'send', { clientMessageId: `m-${i}`, kind: 'text', body: 'hello' }))));
    await Promise.all(threads.map(disconnect));
    // Every push is with the service, unanswered; kill a node that is sending some of them.
    await waitUntil(() => standIn.service.held === PAIRS, 5_000, () => `${PAIRS} pushes held (${standIn.service.held})`);
    const inFlight = await Promise.all([n0, n1].map((n) => metricValue(n, /^kismet_push_in_flight/)));
    const victim = inFlight[0]! > 0 ? 0 : 1;
    assert.ok(inFlight[victim]! > 0, `a node with pushes in flight (${inFlight.join(', ')})`);
    await suite.nodes[victim]!.kill();
    standIn.service.release();

    const survivor = suite.nodes[1 - victim]!;
    await waitUntil(async () => {
      const waiting = await suite.cluster.pool.query<{ n: string }>("select count(*) as n from push_outbox where state = 'pending'");
      return Number(waiting.rows[0]!.n) === 0;
    }, 30_000, () => 'the survivor to finish the outbox');
    assert.ok((await metricValue(survivor, /^kismet_push_sent_total/)) > 0);

    let repeats = 0;
    for (const pair of pairs) {
      const received = pushesTo(standIn.service, pair.target).map((p) => p.payload as { id: string; collapseKey: string; data: { type: string } });
      const messages = received.filter((p) => p.data.type === 'message.received');
      assert.ok(messages.length >= 1 && messages.length <= 2, `one push, or one repeat (${messages.length})`);
      assert.equal(new Set(messages.map((m) => m.id)).size, 1, 'a repeat carries the same id');
      assert.equal(new Set(messages.map((m) => m.collapseKey)).size, 1, 'and the same collapse key');
      repeats += messages.length - 1;
    }
    // The killed node's pushes reached the service before it died, and were sent again once their leases ran out.
    assert.ok(repeats >= 1, `repeats ${repeats}, in flight on the killed node ${inFlight[victim]}`);
    assert.deepEqual(standIn.service.refusals, []);
    suite.cluster.nodes.splice(victim, 1);
  });
});
