import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import type { SwipeResult } from '../../contracts/session';
import { UserEventType } from '../../domain/userEvents';
import { command, eventsOf, requestJson, waitForEvents, type Device, type ReceivedEvent } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { codeOf, registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

type Action = 'like' | 'superlike' | 'pass';

/** An answer as its swiper reads it: the refusal's code and text, or the result (the ref differs per command). */
const answerOf = (answer: ReplyMessage | ErrorMessage) => ('code' in answer ? { code: answer.code, message: answer.message } : { result: answer.result });
const ofType = (type: string) => (e: ReceivedEvent) => e.type === type;

describe('swipes on cards the swiper may not see, end to end on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const { device } = suite;
  const admin = async (person: Person, body: Record<string, unknown>) =>
    assert.equal((await requestJson(suite.nodes[1].url, 'POST', `/admin/users/${person.userId}`, { token: ADMIN_KEY, body })).status, 200);
  const swipe = (phone: Device, from: Person, toCardId: string, action: Action = 'like') =>
    command(phone.room, 'swipe', { fromCardId: from.card.id, toCardId, action });
  const count = async (query: string, params: unknown[]) => Number((await suite.cluster.pool.query<{ n: number }>(query, params)).rows[0]!.n);
  const matchesBetween = (x: Person, y: Person) =>
    count('select count(*)::int as n from matches where $1 in (user_a_id, user_b_id) and $2 in (user_a_id, user_b_id)', [x.userId, y.userId]);
  const swipesFrom = (x: Person) => count('select count(*)::int as n from swipes where swiper_id = $1', [x.userId]);
  const likePairsOf = (x: Person) => count('select count(*)::int as n from like_pairs where $1 in (card_a_id, card_b_id)', [x.card.id]);
  const likesStoredFor = (x: Person) => count(`select count(*)::int as n from stored_events where user_id = $1 and type = $2`, [x.userId, UserEventType.LIKE_RECEIVED]);

  it('a like on a shadow-banned person’s card is answered as a card that does not exist: no match, no like for them, nothing stored; lifting the ban brings none of it back', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b, c] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n1.url, 'B'), registerPerson(n0.url, 'C')]);
    // Premium, so each like they hear of names its card: A learns B's card from B's like, as anyone B mass-liked would.
    await admin(a, { isPremium: true });
    await admin(b, { isPremium: true });
    const [phoneA, phoneB, phoneC] = [await device(n0.url, a), await device(n1.url, b), await device(n0.url, c)];
    replyOf(await swipe(phoneB, b, a.card.id));
    const heard = (await waitForEvents(phoneA, (es) => es.some(ofType(UserEventType.LIKE_RECEIVED)))).filter(ofType(UserEventType.LIKE_RECEIVED));
    const heldCardId = heard[0]!.data['fromCardId'] as string;
    assert.equal(heldCardId, b.card.id);

    await admin(b, { shadowBanned: true });
    // B goes on liking, answered as always.
    const meanwhile = replyOf<SwipeResult>(await swipe(phoneB, b, c.card.id));
    assert.deepEqual([meanwhile.matched, meanwhile.repeated], [false, false]);
    // A likes the card B's like named: the answer of a card that does not exist, whatever the action.
    const missing = answerOf(await swipe(phoneA, a, randomUUID()));
    assert.equal((missing as { code?: string }).code, 'CARD_NOT_FOUND');
    for (const action of ['like', 'superlike', 'pass'] as const) assert.deepEqual(answerOf(await swipe(phoneA, a, heldCardId, action)), missing, action);
    // None of it was stored: no swipe of A's, no match, and the pair holds B's like alone; nobody was told of a like.
    assert.equal(await swipesFrom(a), 0);
    assert.equal(await matchesBetween(a, b), 0);
    const pair = await suite.cluster.pool.query('select a_likes_b or b_likes_a as one, a_likes_b and b_likes_a as both from like_pairs where $1 in (card_a_id, card_b_id)', [a.card.id]);
    assert.deepEqual(pair.rows, [{ one: true, both: false }]);
    assert.deepEqual([await likesStoredFor(b), await likesStoredFor(c)], [0, 0]);

    // Lifted: nothing comes of what happened meanwhile.
    await admin(b, { shadowBanned: false });
    assert.equal(await matchesBetween(a, b), 0);
    // C likes B: B's like from while banned stays hidden (no match), and C's is the first like B hears of.
    const fromC = replyOf<SwipeResult>(await swipe(phoneC, c, b.card.id));
    assert.equal(fromC.matched, false);
    await waitForEvents(phoneB, (es) => es.some(ofType(UserEventType.LIKE_RECEIVED)));
    // A's like now is A's first (nothing was kept), and meets B's from before the ban: one match, told once to each.
    const now = replyOf<SwipeResult>(await swipe(phoneA, a, b.card.id));
    assert.deepEqual([now.matched, now.repeated], [true, false]);
    for (const phone of [phoneA, phoneB]) {
      await waitForEvents(phone, (es) => es.some(ofType(UserEventType.MATCH_CREATED)));
      assert.deepEqual(eventsOf(phone).filter(ofType(UserEventType.MATCH_CREATED)).map((e) => e.data['matchId']), [now.matchId]);
    }
    assert.deepEqual(eventsOf(phoneB).filter(ofType(UserEventType.LIKE_RECEIVED)).map((e) => e.data['fromUserId']), [c.userId]);
    assert.deepEqual(eventsOf(phoneC).filter(ofType(UserEventType.LIKE_RECEIVED)), []);
    assert.deepEqual([await likesStoredFor(b), await likesStoredFor(c)], [1, 0]);
  });

  it('both likes of a pair at once, on one node and across two, make no match when one of the two is shadow-banned', async () => {
    const [n0, n1] = suite.nodes;
    // Pairs across the nodes, pairs on one node, and two plain pairs beside them (which do match).
    const layouts: Array<[string, string, boolean]> = [
      ...Array.from({ length: 4 }, (): [string, string, boolean] => [n0.url, n1.url, true]),
      ...Array.from({ length: 4 }, (): [string, string, boolean] => [n1.url, n1.url, true]),
      [n0.url, n1.url, false],
      [n0.url, n0.url, false],
    ];
    const pairs = await Promise.all(layouts.map(async ([urlS, urlP, hidden]) => {
      const [s, p] = await Promise.all([registerPerson(urlS, 'S'), registerPerson(urlP, 'P')]);
      return { s, p, hidden, phoneS: await device(urlS, s), phoneP: await device(urlP, p) };
    }));
    for (const pair of pairs) if (pair.hidden) await admin(pair.s, { shadowBanned: true });

    // Every like leaves in the same tick: each node reads and stores them together.
    const answers = await Promise.all(pairs.map((x) => Promise.all([swipe(x.phoneS, x.s, x.p.card.id), swipe(x.phoneP, x.p, x.s.card.id)])));
    for (const [i, [fromS, fromP]] of answers.entries()) {
      const { s, p, hidden } = pairs[i]!;
      if (!hidden) {
        assert.equal([fromS, fromP].filter((answer) => replyOf<SwipeResult>(answer).matched).length, 1, `plain pair ${i}`);
        assert.equal(await matchesBetween(s, p), 1);
        continue;
      }
      assert.deepEqual([replyOf<SwipeResult>(fromS).matched, codeOf(fromP)], [false, 'CARD_NOT_FOUND'], `pair ${i}`);
      assert.deepEqual([await matchesBetween(s, p), await likePairsOf(p), await swipesFrom(p), await likesStoredFor(p), await likesStoredFor(s)], [0, 0, 0, 0, 0], `pair ${i}`);
    }
  });

  it('a swipe on a blocked person’s card, either way, a banned owner’s or a deactivated card is answered as a random card id is, a pass too, and stores nothing', async () => {
    const [n0, n1] = suite.nodes;
    const [x, blocker, blockedByX, banned, deactivated, visible] = await Promise.all(
      ['X', 'blocks X', 'blocked by X', 'banned', 'deactivated', 'visible'].map((title, i) => registerPerson([n0, n1][i % 2]!.url, title)),
    ) as [Person, Person, Person, Person, Person, Person];
    const phone = await device(n0.url, x);
    for (const [who, whom] of [[blocker, x], [x, blockedByX]] as const) {
      assert.equal((await requestJson(n1.url, 'POST', '/me/blocks', { token: who.accessToken, body: { userId: whom.userId } })).status, 200);
    }
    await admin(banned, { banned: true });
    assert.equal((await requestJson(n1.url, 'DELETE', `/cards/${deactivated.card.id}`, { token: deactivated.accessToken })).status, 200);

    const missing = answerOf(await swipe(phone, x, randomUUID(), 'pass'));
    assert.equal((missing as { code?: string }).code, 'CARD_NOT_FOUND');
    for (const [what, owner] of [['blocked X', blocker], ['blocked by X', blockedByX], ['banned', banned], ['deactivated', deactivated]] as const) {
      for (const action of ['pass', 'like', 'superlike'] as const) assert.deepEqual(answerOf(await swipe(phone, x, owner.card.id, action)), missing, `${what}, ${action}`);
      // The card route says the same.
      const card = await requestJson<{ code: string }>(n1.url, 'GET', `/cards/${owner.card.id}`, { token: x.accessToken });
      assert.deepEqual([card.status, card.body.code], [404, 'CARD_NOT_FOUND'], what);
    }
    // Nothing was stored: the first pass on a card X may see is no repeat.
    assert.equal(await swipesFrom(x), 0);
    assert.equal(replyOf<SwipeResult>(await swipe(phone, x, visible.card.id, 'pass')).repeated, false);
  });
});
