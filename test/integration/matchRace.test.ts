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

const PAIRS = 500;

describe(`${PAIRS} pairs liking each other at the same instant, each side on a different node`, function () {
  let cluster: TestCluster | undefined;
  let nodes: NodeHandle[] = [];
  let pool: Pool;
  /** Side 0 of every pair lives on node 0, side 1 on node 1. */
  let sides: Array<Array<{ user: SeededUser; card: CardView; device: Device }>> = [[], []];
  let acks: Array<[SwipeResult, SwipeResult]> = [];

  before(async function () {
    // Local placement: an actor lives on the node its first join reached, so each side is pinned.
    cluster = await startTestCluster(this, 2, { ACTOR_PLACEMENT: 'local' });
    if (!cluster) return;
    ({ nodes, pool } = cluster);
    const databaseUrl = cluster.env['DATABASE_URL']!;

    const users = await seedUsers(PAIRS * 2, {
      databaseUrl,
      nodeUrl: nodes[0]!.url,
      jwtSecret: HARNESS_JWT_SECRET,
      tokenTtlS: DEFAULT_ACCESS_TOKEN_TTL_S,
    });
    const people = await inBatches(users, 50, async (user, i) => {
      const created = await requestJson<CardView>(nodes[i % 2]!.url, 'POST', '/cards', {
        token: user.accessToken,
        body: { kind: 'person', title: `racer ${i}`, birthYear: 1990 },
      });
      if (created.status !== 201) throw new Error(`card: ${created.status} ${JSON.stringify(created.body)}`);
      return { user, card: created.body };
    });
    sides = [[], []];
    await inBatches(people, 100, async (entry, i) => {
      const side = i % 2;
      const device = await connectDevice(nodes[side]!.url, entry.user, 'phone');
      sides[side]![Math.floor(i / 2)] = { ...entry, device };
    });
  });

  after(async () => {
    await Promise.all(sides.flat().map((s) => disconnect(s.device)));
    await cluster?.close();
  });

  it('has each pair’s two session actors on different nodes', () => {
    const [zero, one] = sides as [typeof sides[0], typeof sides[0]];
    assert.equal(zero.length, PAIRS);
    for (let p = 0; p < PAIRS; p++) assert.notEqual(zero[p]!.device.ready.node, one[p]!.device.ready.node, `pair ${p}`);
  });

  it('acknowledges every like, exactly one of each pair as the match', async () => {
    const [zero, one] = sides as [typeof sides[0], typeof sides[0]];
    const like = (from: (typeof zero)[0], to: (typeof zero)[0]) =>
      command(from.device.room, 'swipe', { fromCardId: from.card.id, toCardId: to.card.id, action: 'like' });
    // Both likes of every pair leave back to back, all pairs in the same tick.
    const answers = await Promise.all(zero.map((a, p) => Promise.all([like(a, one[p]!), like(one[p]!, a)])));
    acks = answers.map(([x, y]) => [(x as ReplyMessage<SwipeResult>).result, (y as ReplyMessage<SwipeResult>).result]);
    for (const [p, pair] of acks.entries()) {
      assert.ok(pair[0] && pair[1], `pair ${p} got an error: ${JSON.stringify(answers[p])}`);
      assert.equal(pair.filter((r) => r.matched).length, 1, `pair ${p}: ${JSON.stringify(pair)}`);
    }
  });

  it('stores exactly one match per pair, and no duplicate swipe rows', async () => {
    const count = async (query: string) => Number((await pool.query<{ n: string }>(query)).rows[0]!.n);
    assert.equal(await count('select count(*) as n from matches'), PAIRS);
    assert.equal(await count('select count(*) as n from match_members'), PAIRS * 2);
    assert.equal(await count('select count(*) as n from swipes'), PAIRS * 2);
    assert.equal(await count('select count(*) as n from (select from_card_id, to_card_id from swipes group by 1, 2 having count(*) > 1) d'), 0);
  });

  it('tells every one of the users exactly once, with the right match id', async () => {
    const [zero, one] = sides as [typeof sides[0], typeof sides[0]];
    const everyone = [...zero, ...one];
    const deadline = Date.now() + 30_000;
    while (everyone.some((s) => !eventsOf(s.device).some((e) => e.type === 'match.created')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up
    for (let p = 0; p < PAIRS; p++) {
      const matchId = acks[p]!.find((r) => r.matched)!.matchId;
      for (const [self, other] of [[zero[p]!, one[p]!], [one[p]!, zero[p]!]] as const) {
        const created = eventsOf(self.device).filter((e) => e.type === 'match.created');
        assert.equal(created.length, 1, `pair ${p}, user ${self.user.userId}: ${created.length} match.created`);
        const data = created[0]!.data as unknown as MatchCreatedData;
        assert.deepEqual([data.matchId, data.otherUserId, data.cardId], [matchId, other.user.userId, self.card.id]);
      }
    }
  });
});
