import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import type { ReplyMessage } from '../../contracts/common';
import type { MatchCreatedData, SwipeResult } from '../../contracts/session';
import type { CardView } from '../../contracts/cards';
import { DEFAULT_ACCESS_TOKEN_TTL_S } from '../../server/config';
import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { seedUsers, type SeededUser } from '../../loadtest/harness/seed';
import { command, connectDevice, disconnect, eventsOf, requestJson, type Device } from '../support/accounts';
import { inBatches } from '../support/batches';
import { startTestCluster, type TestCluster } from '../support/cluster';

/** Pairs whose two sides share a node (so their likes share that node's flushes), and pairs split across the nodes. */
const SAME_NODE_PAIRS = 200;
const CROSS_NODE_PAIRS = 200;

interface Side {
  readonly user: SeededUser;
  readonly card: CardView;
  readonly device: Device;
}

describe('mutual likes that share a node’s swipe flush, or land in two nodes’ flushes at once', function () {
  let cluster: TestCluster | undefined;
  let nodes: NodeHandle[] = [];
  let pool: Pool;
  /** Each pair's two sides: the first half on one node each (pair p on node p % 2), the rest split across nodes. */
  let pairs: Array<[Side, Side]> = [];
  let acks: Array<[SwipeResult, SwipeResult]> = [];
  const total = SAME_NODE_PAIRS + CROSS_NODE_PAIRS;
  const nodeOf = (p: number, side: 0 | 1) => (p < SAME_NODE_PAIRS ? p % 2 : side);

  before(async function () {
    // Local placement: an actor lives on the node its first join reached, so each side is pinned.
    cluster = await startTestCluster(this, 2, { ACTOR_PLACEMENT: 'local' });
    if (!cluster) return;
    ({ nodes, pool } = cluster);
    const users = await seedUsers(total * 2, {
      databaseUrl: cluster.env['DATABASE_URL']!,
      nodeUrl: nodes[0]!.url,
      jwtSecret: HARNESS_JWT_SECRET,
      tokenTtlS: DEFAULT_ACCESS_TOKEN_TTL_S,
    });
    const slots = users.map((user, i) => ({ user, p: Math.floor(i / 2), side: (i % 2) as 0 | 1 }));
    const sides = await inBatches(slots, 50, async ({ user, p, side }, i) => {
      const node = nodes[nodeOf(p, side)]!;
      const created = await requestJson<CardView>(node.url, 'POST', '/cards', {
        token: user.accessToken,
        body: { kind: 'person', title: `batched ${i}`, birthYear: 1990 },
      });
      if (created.status !== 201) throw new Error(`card: ${created.status} ${JSON.stringify(created.body)}`);
      return { user, card: created.body, device: await connectDevice(node.url, user, 'phone') };
    });
    pairs = Array.from({ length: total }, (_, p) => [sides[2 * p]!, sides[2 * p + 1]!]);
  });

  after(async () => {
    await Promise.all(pairs.flat().map((s) => disconnect(s.device)));
    await cluster?.close();
  });

  it('has each same-node pair on one node and each cross-node pair on two', () => {
    assert.equal(pairs.length, total);
    for (const [p, [x, y]] of pairs.entries()) {
      if (p < SAME_NODE_PAIRS) assert.equal(x.device.ready.node, y.device.ready.node, `pair ${p}`);
      else assert.notEqual(x.device.ready.node, y.device.ready.node, `pair ${p}`);
    }
  });

  it('acknowledges every like, exactly one of each pair as the match', async () => {
    const like = (from: Side, to: Side) => command(from.device.room, 'swipe', { fromCardId: from.card.id, toCardId: to.card.id, action: 'like' });
    // Both likes of every pair leave back to back, all pairs in the same tick: they queue behind each node's flush in flight.
    const answers = await Promise.all(pairs.map(([x, y]) => Promise.all([like(x, y), like(y, x)])));
    acks = answers.map(([x, y]) => [(x as ReplyMessage<SwipeResult>).result, (y as ReplyMessage<SwipeResult>).result]);
    for (const [p, pair] of acks.entries()) {
      assert.ok(pair[0] && pair[1], `pair ${p} got an error: ${JSON.stringify(answers[p])}`);
      assert.equal(pair.filter((r) => r.matched).length, 1, `pair ${p}: ${JSON.stringify(pair)}`);
      assert.ok(pair.every((r) => !r.repeated), `pair ${p}: ${JSON.stringify(pair)}`);
    }
  });

  it('stored both likes of same-node pairs in one commit (the case this suite is about)', async () => {
    // A transaction's rows share its start time: equal times mean one flush stored both.
    const shared = await pool.query<{ n: string }>(`
      select count(*) as n from swipes x join swipes y on y.from_card_id = x.to_card_id and y.to_card_id = x.from_card_id
       where x.from_card_id < x.to_card_id and x.created_at = y.created_at`);
    assert.ok(Number(shared.rows[0]!.n) > 0, 'no pair shared a flush');
  });

  it('stores exactly one match per pair, with its two members, and no duplicate swipe rows', async () => {
    const count = async (query: string) => Number((await pool.query<{ n: string }>(query)).rows[0]!.n);
    assert.equal(await count('select count(*) as n from matches'), total);
    assert.equal(await count('select count(*) as n from (select card_a_id, card_b_id from matches group by 1, 2 having count(*) > 1) d'), 0);
    assert.equal(await count('select count(*) as n from match_members'), total * 2);
    assert.equal(await count('select count(*) as n from swipes'), total * 2);
    for (const [p, pair] of acks.entries()) {
      const matchId = pair.find((r) => r.matched)!.matchId;
      const row = await pool.query<{ n: string }>('select count(*) as n from matches where id = $1', [matchId]);
      assert.equal(Number(row.rows[0]!.n), 1, `pair ${p}: the answered match ${matchId} is not stored`);
    }
  });

  it('tells each owner of every pair exactly once, with the answered match id', async () => {
    const everyone = pairs.flat();
    const deadline = Date.now() + 30_000;
    while (everyone.some((s) => !eventsOf(s.device).some((e) => e.type === 'match.created')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up
    for (const [p, [x, y]] of pairs.entries()) {
      const matchId = acks[p]!.find((r) => r.matched)!.matchId;
      for (const [self, other] of [[x, y], [y, x]] as const) {
        const created = eventsOf(self.device).filter((e) => e.type === 'match.created');
        assert.equal(created.length, 1, `pair ${p}, user ${self.user.userId}: ${created.length} match.created`);
        const data = created[0]!.data as unknown as MatchCreatedData;
        assert.deepEqual([data.matchId, data.otherUserId, data.cardId], [matchId, other.user.userId, self.card.id]);
      }
    }
  });
});
