import assert from 'node:assert/strict';
import { startNodeProcess } from '../../loadtest/harness/nodeProcess';
import { command, waitUntil } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { joinThread, matchPeople, registerPerson, replyOf, type ThreadConnection } from '../support/matches';
import { outboxPublished, useNatsStream } from '../support/nats';
import { counterSum } from '../support/push/pushedNode';
import { TcpProxy } from '../support/tcpProxy';

const PAIRS = 8;
const LEASE_MS = 2_000;

describe('domain events across a node kill', function () {
  const stream = useNatsStream();
  const suite = useTestCluster(0, Object.assign(stream.env, { DOMAIN_EVENTS_LEASE_MS: String(LEASE_MS), ACTOR_PLACEMENT: 'local' }));
  const proxies: TcpProxy[] = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('a node killed with SIGKILL mid-publish: the survivor publishes its rows again, and the stream holds each event id exactly once', async () => {
    // Each node reaches NATS through its own proxy, so one node's PubAcks can be held back.
    for (let i = 0; i < 2; i++) {
      const proxy = await TcpProxy.start(stream.port);
      proxies.push(proxy);
      suite.cluster.nodes.push(await startNodeProcess({ ...suite.cluster.env, NATS_URL: `nats://127.0.0.1:${proxy.port}` }));
    }
    const [n0, n1] = suite.nodes;
    await waitUntil(async () => (await metricValue(n0, /^kismet_dependency_up\{dependency="nats"/)) === 1 && (await metricValue(n1, /^kismet_dependency_up\{dependency="nats"/)) === 1, 20_000, () => 'both nodes publishing');

    const threads: ThreadConnection[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const [a, b] = await Promise.all([registerPerson(n0.url, `A${i}`), registerPerson(n1.url, `B${i}`)]);
      const matchId = await matchPeople(a, b, [n0.url, n1.url]);
      threads.push(await joinThread(i % 2 ? n1.url : n0.url, a, matchId));
    }
    // Node 1's connections are left after the test; node 0's go with it.
    suite.open.push(...threads.filter((_, i) => i % 2 === 1));
    await waitUntil(async () => (await stream.messages()).length >= PAIRS * 3, 20_000, () => 'the matches published');

    // Node 0's publishes still land in the stream, but JetStream's acknowledgements never reach it.
    proxies[0]!.holdReplies();
    // A PubAck held back from node 0 is a row JetStream stored and node 0 still holds
    // leased as unpublished. Rows in the stream and pending alone do not say which node
    // has them: node 1's own in-flight publishes look the same for a moment.
    const ackHeldFromNode0 = () => (proxies[0]!.heldReplies.match(/^H?MSG /gm) ?? []).length;
    const publishedButPending = async () => {
      const ids = new Set((await stream.messages()).map((m) => m.event.id));
      const pending = await suite.cluster.pool.query<{ id: string }>("select id::text from domain_event_outbox where state = 'pending'");
      return pending.rows.filter((r) => ids.has(r.id)).length;
    };
    let round = 0;
    while (ackHeldFromNode0() === 0) {
      assert.ok(round < 50, 'node 0 leased and published some rows');
      await Promise.all(threads.map(async (t, i) => replyOf(await command(t.room, 'send', { clientMessageId: `r${round}-${i}`, kind: 'text', body: 'hi' }))));
      round++;
    }
    const held = ackHeldFromNode0();
    const stuck = await publishedButPending();
    await suite.cluster.nodes[0]!.kill();
    suite.cluster.nodes.splice(0, 1);

    await outboxPublished(suite.cluster.pool);

    const rows = await suite.cluster.pool.query<{ id: string }>('select id::text from domain_event_outbox');
    const messages = await stream.messages();
    const ids = messages.map((m) => m.event.id);
    assert.equal(new Set(ids).size, ids.length, `each event id once in the stream (${ids.length} messages, ${new Set(ids).size} ids)`);
    assert.deepEqual(new Set(ids), new Set(rows.rows.map((r) => r.id)), 'every outbox row, and nothing else');
    assert.ok(messages.every((m) => m.msgId === m.event.id));
    // The killed node's rows were published again by the survivor, and JetStream dropped the repeats.
    const duplicates = await counterSum(n1, /^kismet_domain_events_duplicates_total/);
    assert.ok(duplicates >= 1, `repeats de-duplicated: ${duplicates}, acknowledgements held from node 0: ${held}, rows in the stream and pending when killed: ${stuck}`);
  });
});
