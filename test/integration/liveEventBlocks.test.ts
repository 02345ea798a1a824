import assert from 'node:assert/strict';
import { LiveEventMessageType } from '../../contracts/liveEvents';
import type { TokenPair } from '../../contracts/auth';
import { command, registerUser, requestJson, waitUntil, type ActorConnection } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { codeOf, replyOf } from '../support/matches';
import { eventJoiner, harnessAliasIn, scheduleEvent } from '../support/liveEvents';

type Received = Pick<ActorConnection, 'received'>;

/** What a connection got of one message type, in order. */
const of = <T>(c: Received, type: string) => c.received.filter((m) => m.type === type).map((m) => m.message as T);
const sayings = (c: Received) => of<{ text: string }>(c, LiveEventMessageType.CHAT).map((m) => m.text);
const handViews = (c: Received) => of<{ hands: string[] }>(c, LiveEventMessageType.HANDS).map((m) => m.hands);
/** An error answer without its ref: what a host can compare between two refusals. */
const refusalOf = (answer: Awaited<ReturnType<typeof command>>) => {
  assert.ok('code' in answer, `expected a refusal, got ${JSON.stringify(answer)}`);
  const { ref: _ref, ...rest } = answer;
  return rest;
};

describe('blocks in live hiring events, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local' });

  const join = eventJoiner(suite);
  const block = async (url: string, who: TokenPair, whom: TokenPair) =>
    assert.equal((await requestJson(url, 'POST', '/me/blocks', { token: who.accessToken, body: { userId: whom.userId } })).status, 200);
  /** An event of a fresh recruiter's with `count` registrants. */
  const eventWith = async (count: number) => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const people = await Promise.all(Array.from({ length: count }, async (_, i) => {
      const user = await registerUser(i % 2 ? n1.url : n0.url);
      assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
      return user;
    }));
    return { recruiter, eventId, people };
  };

  it('never puts two people a block stands between in a breakout: to a host they blocked it runs as one they did not come to, to a host who blocked them it is refused', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId, people: [a, b, c, absent] } = await eventWith(4);
    await block(n1.url, a!, recruiter); // an attendee who blocked the host
    await block(n0.url, recruiter, b!); // a host who blocked an attendee
    const host = await join(n1.url, recruiter, eventId);
    const [ca, cb, cc] = [await join(n0.url, a!, eventId), await join(n1.url, b!, eventId), await join(n0.url, c!, eventId)];

    assert.equal(refusalOf(await command(host.room, 'breakout', { alias: harnessAliasIn(eventId, absent!.userId), durationS: 60 })).code, 'NOT_ATTENDING');
    assert.equal(refusalOf(await command(host.room, 'breakout', { alias: cb.ready.alias, durationS: 60 })).code, 'BLOCKED');
    // The host is answered alike for the attendee who blocked them and one who did not, and sent alike.
    type Opened = { alias: string; room: string; endsAt: number };
    const [unseen, real] = [replyOf<Opened>(await command(host.room, 'breakout', { alias: ca.ready.alias, durationS: 3 })), replyOf<Opened>(await command(host.room, 'breakout', { alias: cc.ready.alias, durationS: 3 }))];
    const shape = (o: object) => Object.entries(o).map(([key, value]) => [key, typeof value]).sort();
    assert.deepEqual(shape(unseen), shape(real));
    for (const [opened, who] of [[unseen, ca], [real, cc]] as const) {
      assert.equal(opened.alias, who.ready.alias);
      assert.match(opened.room, new RegExp(`^${host.ready.room}-breakout-${who.ready.alias}-\\d+$`));
    }
    assert.ok(Math.abs(unseen.endsAt - real.endsAt) < 10_000);
    const hostSent = of<object>(host, LiveEventMessageType.BREAKOUT);
    assert.deepEqual(hostSent.map((m) => (m as Opened).room), [unseen.room, real.room]);
    assert.deepEqual(shape(hostSent[0]!), shape(hostSent[1]!));
    // Both are in one as far as anyone asking can tell, until both end for the host as any does.
    for (const who of [ca, cc]) assert.equal(codeOf(await command(host.room, 'breakout', { alias: who.ready.alias, durationS: 60 })), 'IN_BREAKOUT');
    await waitUntil(() => of(host, LiveEventMessageType.BREAKOUT_ENDED).length === 2 && of(cc, LiveEventMessageType.BREAKOUT_ENDED).length === 1, 15_000);
    assert.equal(of(cc, LiveEventMessageType.BREAKOUT).length, 1);
    // Whatever would reach the attendee who blocked came before a saying sent after both ended.
    assert.ok('ok' in (await command(cc.room, 'say', { text: 'marker' })));
    await waitUntil(() => [ca, cb].every((x) => sayings(x).includes('marker')));
    for (const x of [ca, cb]) assert.deepEqual([of(x, LiveEventMessageType.BREAKOUT).length, of(x, LiveEventMessageType.BREAKOUT_ENDED).length], [0, 0], 'neither is told of one');

    // Who attended, as the host reads it: nobody a block stands between.
    const attendance = await requestJson<{ attendees: Array<{ userId: string }> }>(n0.url, 'GET', `/events/${eventId}/attendance`, { token: recruiter.accessToken });
    assert.equal(attendance.status, 200);
    assert.deepEqual(new Set(attendance.body.attendees.map((x) => x.userId)), new Set([recruiter.userId, c!.userId]));
  });

  it('shows neither of two attendees a block stands between what the other says or their raised hand; everyone else sees both', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId, people: [p, q, r] } = await eventWith(3);
    await block(n0.url, q!, p!);
    const host = await join(n0.url, recruiter, eventId);
    const [cp, cq, cr] = [await join(n0.url, p!, eventId), await join(n1.url, q!, eventId), await join(n0.url, r!, eventId)];

    assert.deepEqual(replyOf(await command(cp.room, 'hand.raise')), { hands: [cp.ready.alias] });
    assert.deepEqual(replyOf(await command(cq.room, 'hand.raise')), { hands: [cq.ready.alias] }, 'the blocker does not see the hand of the one they blocked');
    assert.deepEqual(replyOf(await command(cr.room, 'hand.raise')), { hands: [cp.ready.alias, cq.ready.alias, cr.ready.alias] });
    for (const [c, text] of [[cp, 'from p'], [cq, 'from q'], [cr, 'from r']] as const) assert.ok('ok' in (await command(c.room, 'say', { text })));

    // Each connection gets an event's messages in the order sent: once r's saying is in, whatever came before it is too.
    await waitUntil(() => [host, cp, cq, cr].every((c) => sayings(c).includes('from r')));
    assert.deepEqual(sayings(cp), ['from p', 'from r']);
    assert.deepEqual(sayings(cq), ['from q', 'from r']);
    assert.deepEqual(sayings(cr), ['from p', 'from q', 'from r']);
    assert.deepEqual(sayings(host), ['from p', 'from q', 'from r']);
    const all = [cp.ready.alias, cq.ready.alias, cr.ready.alias];
    await waitUntil(() => [host, cr].every((c) => handViews(c).at(-1)?.length === 3));
    await waitUntil(() => handViews(cq).at(-1)?.join() === [cq.ready.alias, cr.ready.alias].join() && handViews(cp).at(-1)?.join() === [cp.ready.alias, cr.ready.alias].join());
    assert.deepEqual(handViews(host).at(-1), all);
    assert.ok(!handViews(cq).some((hands) => hands.includes(cp.ready.alias)), 'the blocker never sees the hand');
    assert.ok(!handViews(cp).some((hands) => hands.includes(cq.ready.alias)), 'nor the one blocked');
  });

  it('applies a block made during the event at once: sayings, hands and a breakout between the two', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId, people: [p, q, r] } = await eventWith(3);
    const host = await join(n1.url, recruiter, eventId);
    const [cp, cq, cr] = [await join(n0.url, p!, eventId), await join(n1.url, q!, eventId), await join(n0.url, r!, eventId)];
    assert.ok('ok' in (await command(cp.room, 'hand.raise')));
    assert.ok('ok' in (await command(host.room, 'breakout', { alias: cq.ready.alias, durationS: 3600 })));
    assert.ok('ok' in (await command(cp.room, 'say', { text: 'before' })));
    await waitUntil(() => sayings(cq).includes('before') && handViews(cq).at(-1)?.join() === cp.ready.alias && of(cq, LiveEventMessageType.BREAKOUT).length === 1);

    // Through the other node, while the event runs: the answer comes once it holds there.
    await block(n0.url, q!, p!);
    await block(n0.url, q!, recruiter);
    // The breakout between q and the host they blocked ends for both, and q no longer sees p's hand.
    await waitUntil(() => [host, cq].every((c) => of(c, LiveEventMessageType.BREAKOUT_ENDED).length === 1));
    await waitUntil(() => handViews(cq).at(-1)?.length === 0);
    assert.deepEqual(handViews(host).at(-1), [cp.ready.alias], 'the others’ view is unchanged');

    for (const [c, text] of [[cp, 'after'], [cq, 'q after'], [host, 'host after'], [cr, 'marker']] as const) assert.ok('ok' in (await command(c.room, 'say', { text })));
    await waitUntil(() => [host, cp, cq, cr].every((c) => sayings(c).includes('marker')));
    assert.deepEqual(sayings(cq), ['before', 'q after', 'marker']);
    assert.deepEqual(sayings(cp), ['before', 'after', 'host after', 'marker']);
    assert.deepEqual(sayings(host), ['before', 'after', 'host after', 'marker']);
    assert.deepEqual(sayings(cr), ['before', 'after', 'q after', 'host after', 'marker']);
    // A breakout asked of q now is answered as any, and q is never told of it.
    assert.equal(codeOf(await command(host.room, 'breakout', { alias: cq.ready.alias, durationS: 60 })), 'ok');
    assert.ok('ok' in (await command(cr.room, 'say', { text: 'second marker' })));
    await waitUntil(() => sayings(cq).includes('second marker'));
    assert.equal(of(cq, LiveEventMessageType.BREAKOUT).length, 1, 'only the breakout before the block');
  });
});
