import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import type { ChatMessage, MessagePage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { sleep } from '../../loadtest/harness/timetable';
import { requestJson, waitUntil } from '../support/accounts';
import { converse, resultOf, storedMessages } from '../support/chatDriver';
import { matchedPair, type Person } from '../support/matches';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { UNLIMITED_RATES } from '../support/limits';

/** Everything a member holds: what it sent (by its acknowledgements) and what was delivered to it, by sequence. */
function memberView(self: Person, acked: ReadonlyMap<string, number>, delivered: readonly ChatMessage[]): Map<number, string> {
  const view = new Map<number, string>();
  for (const [clientMessageId, seq] of acked) view.set(seq, `${self.userId}/${clientMessageId}`);
  for (const m of delivered) {
    assert.equal(view.has(m.seq), false, `seq ${m.seq} held twice`);
    view.set(m.seq, `${m.senderId}/${m.clientMessageId}`);
  }
  return view;
}

describe('chat threads across two nodes', function () {
  let cluster: TestCluster | undefined;
  let pool: Pool;
  const clients: ThreadClient[] = [];
  const nodes = () => cluster!.nodes;

  before(async function () {
    // Local placement: a thread lives on the node its first join reached, so the test knows which to kill.
    cluster = await startTestCluster(this, 2, { ACTOR_PLACEMENT: 'local', ...UNLIMITED_RATES });
    if (cluster) pool = cluster.pool;
  });

  after(async () => {
    for (const client of clients) client.close();
    await cluster?.close();
  });

  it('gives both members the same 2,000 messages in the same order when each sends 1,000 as fast as it can', async () => {
    const [n0, n1] = nodes() as [NodeHandle, NodeHandle];
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    // Each member reaches the thread through its own node, both at once: with local placement each
    // node tries to create the thread itself, and the cluster keeps exactly one actor.
    const [ta, tb] = await Promise.all([ThreadClient.join(n0.url, a, matchId), ThreadClient.join(n1.url, b, matchId)]);
    clients.push(ta, tb);
    assert.equal(ta.ready.node, tb.ready.node);

    const COUNT = 1000;
    const ackedA = new Map<string, number>();
    const ackedB = new Map<string, number>();
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < COUNT; i++) {
      sends.push(ta.sendText(`a-${i}`, `from a ${i}`).then((answer) => void ackedA.set(`a-${i}`, resultOf(answer).seq)));
      sends.push(tb.sendText(`b-${i}`, `from b ${i}`).then((answer) => void ackedB.set(`b-${i}`, resultOf(answer).seq)));
    }
    await Promise.all(sends);
    await waitUntil(() => ta.delivered.length === COUNT && tb.delivered.length === COUNT, 20_000, () => `deliveries: a ${ta.delivered.length}, b ${tb.delivered.length}`);

    const viewA = memberView(a, ackedA, ta.delivered);
    const viewB = memberView(b, ackedB, tb.delivered);
    const expectedSeqs = Array.from({ length: 2 * COUNT }, (_, i) => i + 1);
    assert.deepEqual([...viewA.keys()].sort((x, y) => x - y), expectedSeqs);
    assert.deepEqual([...viewA.entries()].sort(([x], [y]) => x - y), [...viewB.entries()].sort(([x], [y]) => x - y));
    // Live deliveries arrive in sequence order.
    for (const delivered of [ta.delivered, tb.delivered]) assert.deepEqual(delivered.map((m) => m.seq), [...delivered.map((m) => m.seq)].sort((x, y) => x - y));
    // Each member's own messages kept their order.
    assert.deepEqual([...ackedA.values()], [...ackedA.values()].sort((x, y) => x - y));
    const stored = await storedMessages(pool, matchId);
    assert.deepEqual(stored.map((m) => [m.seq, `${m.senderId}/${m.clientMessageId}`]), [...viewA.entries()].sort(([x], [y]) => x - y));
  });

  it('closes a thread for both members at once when the unmatch or block arrives at another node', async () => {
    const [n0, n1] = nodes() as [NodeHandle, NodeHandle];
    for (const [how, end] of [
      ['unmatch', (p: Awaited<ReturnType<typeof matchedPair>>) => requestJson(n1.url, 'DELETE', `/me/matches/${p.matchId}`, { token: p.b.accessToken })],
      ['block', (p: Awaited<ReturnType<typeof matchedPair>>) => requestJson(n1.url, 'POST', '/me/blocks', { token: p.a.accessToken, body: { userId: p.b.userId } })],
    ] as const) {
      const pair = await matchedPair(n0.url);
      // The thread lives on node 0 (its first join went there); the request goes to node 1.
      const [ta, tb] = [await ThreadClient.join(n0.url, pair.a, pair.matchId), await ThreadClient.join(n1.url, pair.b, pair.matchId)];
      clients.push(ta, tb);
      assert.equal((await end(pair)).status, 200, how);
      assert.deepEqual(await Promise.all([ta.closed(), tb.closed()]), [KismetCloseCode.THREAD_CLOSED, KismetCloseCode.THREAD_CLOSED], how);
      const refused = await ThreadClient.join(n1.url, pair.a, pair.matchId).then(() => 'joined', (error: { code?: string }) => error.code);
      assert.equal(refused, how === 'unmatch' ? 'UNMATCHED' : 'BLOCKED');
    }
  });

  // How each stop looks to a client of the stopped node: a dead socket, or the drain's close code.
  const stops: Array<[string, (node: NodeHandle) => Promise<unknown>, number]> = [
    ['killed with SIGKILL', (node) => node.kill(), 1006],
    ['stopped with SIGTERM (drained)', (node) => node.stop(), KismetCloseCode.NODE_DRAINING],
  ];
  for (const [how, stopNode, closeCode] of stops) it(`keeps every acknowledged message exactly once when the node holding the thread is ${how} mid-conversation`, async () => {
    const [n0, n1] = nodes() as [NodeHandle, NodeHandle];
    const { a, b, matchId } = await matchedPair(n1.url, [n1.url, n1.url]);
    const PER_MEMBER = 400;
    const WINDOW = 8;
    const threadNodes = new Set<string>();
    const drive = (member: Person, prefix: string, firstUrl: string) =>
      converse({
        member,
        matchId,
        prefix,
        count: PER_MEMBER,
        window: WINDOW,
        nodeUrls: () => [firstUrl, ...nodes().map((n) => n.url).filter((u) => u !== firstUrl)],
        onConnected: (client) => {
          clients.push(client);
          threadNodes.add(client.ready.node);
        },
      });

    // The thread starts on node 0 (its first join goes there) and this connection keeps it there
    // while both members join and send continuously.
    const holder = await ThreadClient.join(n0.url, a, matchId);
    clients.push(holder);
    const originalNode = holder.ready.node;
    const running = [drive(a, 'a', n0.url), drive(b, 'b', n1.url)];
    await waitUntil(() => threadNodes.size > 0, 10_000);
    // Kill once a good part of the conversation is stored.
    for (;;) {
      const { rows } = await pool.query<{ n: string }>('select count(*) as n from messages where match_id = $1', [matchId]);
      if (Number(rows[0]!.n) >= PER_MEMBER / 2) break;
      await sleep(20);
    }
    const killedAt = Number((await pool.query<{ s: string }>('select last_seq as s from matches where id = $1', [matchId])).rows[0]!.s);
    await stopNode(n0);
    assert.equal(await holder.closed(), closeCode);
    const [ra, rb] = (await Promise.all(running)) as [Awaited<(typeof running)[0]>, Awaited<(typeof running)[0]>];
    // A replacement node joins the cluster for later tests.
    cluster!.nodes = [n1, await startNodeProcess(cluster!.env)];

    assert.ok(ra.reconnects >= 1 && rb.reconnects >= 1, 'both members lost their connection and came back');
    if (how.includes('SIGKILL')) assert.ok(ra.interrupted + rb.interrupted > 0, 'some sends were in flight when the node died, and were resent');
    assert.ok(threadNodes.has(originalNode) && threadNodes.size === 2, `the thread moved off the killed node: ${[...threadNodes].join(', ')}`);
    const stored = await storedMessages(pool, matchId);
    // Every planned message was acknowledged once it went through, and is stored exactly once...
    assert.equal(stored.length, 2 * PER_MEMBER);
    assert.deepEqual(stored.map((m) => m.seq), Array.from({ length: 2 * PER_MEMBER }, (_, i) => i + 1));
    const bySender = new Map(stored.map((m) => [`${m.senderId}/${m.clientMessageId}`, m.seq]));
    assert.equal(bySender.size, 2 * PER_MEMBER);
    // ...under the sequence its sender was told.
    for (const [self, run] of [[a, ra], [b, rb]] as const) {
      for (const [id, seq] of run.acked) assert.equal(bySender.get(`${self.userId}/${id}`), seq, id);
    }
    // The kill fell mid-conversation, so the gap-free 1..N above shows the new actor went on from the next sequence.
    assert.ok(killedAt > 0 && killedAt < 2 * PER_MEMBER, `killed at ${killedAt}`);
    // Both members read back the same history, in order.
    const reader = await ThreadClient.join(n1.url, b, matchId);
    clients.push(reader);
    const readBack: ChatMessage[] = [];
    for (let more = true; more; ) {
      const page = resultOf(await reader.request<MessagePage>('sync', { afterSeq: readBack.length }));
      readBack.push(...page.messages);
      more = page.hasMore;
    }
    assert.deepEqual(readBack.map((m) => [m.seq, `${m.senderId}/${m.clientMessageId}`]), stored.map((m) => [m.seq, `${m.senderId}/${m.clientMessageId}`]));
  });
});
