import assert from 'node:assert/strict';
import type { ReplyMessage } from '../../contracts/common';
import type { SwipeResult } from '../../contracts/session';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { sleep } from '../../loadtest/harness/timetable';
import { command } from '../support/accounts';
import { assertEveryClientConnected, converse, storedMessages, type ConversationRun } from '../support/chatDriver';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { matchedPair, registerPerson, type Person } from '../support/matches';
import { ResilientDevice } from '../support/resilientSession';
import { UNLIMITED_RATES } from '../support/limits';

const NODES = 3;
/** Nodes killed, one every few seconds (a count, not a duration: a busy machine starts replacements slower). */
const KILLS = 5;
const KILL_EVERY_MS = 3_000;

describe('chaos: a node killed every few seconds while people swipe and chat', function () {
  let cluster: TestCluster | undefined;
  const devices: ResilientDevice[] = [];
  const liveUrls = () => cluster!.nodes.map((n) => n.url);

  before(async function () {
    // Short, so a killed node's actors are swept within seconds; at 500 ms a live node on two busy cores fenced
    // itself during the set-up (most runs beside one spinning process), at 1 s none did.
    cluster = await startTestCluster(this, NODES, { STALE_NODE_TIMEOUT_MS: '1000', ...UNLIMITED_RATES });
  });

  after(async () => {
    await Promise.all(devices.map((d) => d.close()));
    await cluster?.close();
  });

  /** Sends one swipe until it is answered, across reconnects; a repeat answers the first result. */
  async function swipeUntilAnswered(device: ResilientDevice, from: Person, to: Person, action: 'like' | 'pass'): Promise<SwipeResult> {
    for (;;) {
      const room = device.room;
      if (room?.connection?.isOpen) {
        const answer = await command(room, 'swipe', { fromCardId: from.card.id, toCardId: to.card.id, action }).catch(() => undefined);
        if (answer && 'ok' in answer) return (answer as ReplyMessage<SwipeResult>).result;
        if (answer) throw new Error(`swipe refused: ${answer.code}: ${answer.message}`);
      }
      await sleep(100);
    }
  }

  it('keeps every acknowledged message, swipe and match exactly once, and every client ends connected', async () => {
    // Chat: three matched pairs, both members sending throughout.
    const pairs = await Promise.all(Array.from({ length: 3 }, (_, p) => matchedPair(liveUrls()[p % NODES]!)));
    const conversations: Array<Promise<ConversationRun>> = pairs.flatMap((pair, p) =>
      [pair.a, pair.b].map((member, side) =>
        converse({ member, matchId: pair.matchId, prefix: side === 0 ? 'a' : 'b', count: 250, window: 2, pauseMs: 25, nodeUrls: () => [...liveUrls()].reverse().slice((2 * p + side) % NODES).concat(liveUrls()) }),
      ),
    );
    // Swipes: ten people, each liking the next one around a circle of partners (pairs 0-1, 2-3, ...)
    // and passing on everyone else, slowly, so the swipes span the chaos.
    const people = await Promise.all(Array.from({ length: 10 }, (_, i) => registerPerson(liveUrls()[i % NODES]!, `p${i}`)));
    for (const person of people) devices.push(await ResilientDevice.connect(person, 'phone', liveUrls));
    const swipesAcked: Array<{ from: Person; to: Person; action: 'like' | 'pass'; result: SwipeResult }> = [];
    const swiping = Promise.all(
      people.map(async (self, i) => {
        const partner = people[i ^ 1]!;
        const plan = [...people.filter((o) => o !== self && o !== partner).map((to) => ({ to, action: 'pass' as const })), { to: partner, action: 'like' as const }];
        for (const step of plan) {
          const result = await swipeUntilAnswered(devices[i]!, self, step.to, step.action);
          swipesAcked.push({ from: self, to: step.to, action: step.action, result });
          await sleep(1_200);
        }
      }),
    );

    // Chaos: kill a node with SIGKILL every few seconds and start a fresh one in its place.
    let kills = 0;
    while (kills < KILLS) {
      await sleep(KILL_EVERY_MS);
      const victim = cluster!.nodes[kills % NODES]!;
      cluster!.nodes = cluster!.nodes.filter((n) => n !== victim);
      await victim.kill();
      kills++;
      const replacement: NodeHandle = await startNodeProcess(cluster!.env);
      cluster!.nodes.push(replacement);
    }
    const [runs] = await Promise.all([Promise.all(conversations), swiping]);

    // Messages: every thread gap-free, every acknowledged message once under its sequence.
    for (const [p, pair] of pairs.entries()) {
      const stored = await storedMessages(cluster!.pool, pair.matchId);
      assert.deepEqual(stored.map((m) => m.seq), Array.from({ length: 500 }, (_, i) => i + 1), `thread ${p}`);
      const bySender = new Map(stored.map((m) => [`${m.senderId}/${m.clientMessageId}`, m.seq]));
      for (const [side, member] of [pair.a, pair.b].entries()) {
        for (const [id, seq] of runs[2 * p + side]!.acked) assert.equal(bySender.get(`${member.userId}/${id}`), seq, `thread ${p}: ${id}`);
      }
    }
    // Swipes: each acknowledged one stored exactly once, as acknowledged.
    const swipeRows = await cluster!.pool.query<{ from_card_id: string; to_card_id: string; kind: string; n: string }>(
      'select from_card_id, to_card_id, kind, count(*) over (partition by from_card_id, to_card_id) as n from swipes where from_card_id = any($1::uuid[])',
      [people.map((p) => p.card.id)],
    );
    assert.equal(swipesAcked.length, 10 * 9);
    assert.equal(swipeRows.rows.length, swipesAcked.length);
    for (const swipe of swipesAcked) {
      const row = swipeRows.rows.find((r) => r.from_card_id === swipe.from.card.id && r.to_card_id === swipe.to.card.id);
      assert.deepEqual([row?.kind, Number(row?.n)], [swipe.action, 1]);
    }
    // Matches: exactly one per pair of partners, the one the matching like was told about.
    const matches = await cluster!.pool.query<{ id: string; card_a_id: string; card_b_id: string }>(
      'select id, card_a_id, card_b_id from matches where card_a_id = any($1::uuid[])',
      [people.map((p) => p.card.id)],
    );
    assert.equal(matches.rows.length, 5);
    const matchedAcks = swipesAcked.filter((s) => s.result.matched && !s.result.repeated);
    assert.equal(matchedAcks.length, 5);
    for (const ack of matchedAcks) {
      const [a, b] = [ack.from.card.id, ack.to.card.id].sort();
      assert.equal(matches.rows.find((m) => m.card_a_id === a && m.card_b_id === b)?.id, ack.result.matchId);
    }

    await assertEveryClientConnected(runs, devices, liveUrls()[0]!);
  });
});
