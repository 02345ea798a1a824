import assert from 'node:assert/strict';
import { TokenVerifier } from 'livekit-server-sdk';
import type { CallMediaAccess, CallStarted } from '../../contracts/calls';
import { HARNESS_LIVEKIT } from '../../loadtest/harness/secrets';
import { command, connectDevice, eventsOf, requestJson, waitForEvents, type Device } from '../support/accounts';
import { postWebhook, signedWebhook } from '../support/calls';
import { metricValue, useTestCluster } from '../support/cluster';
import { codeOf, matchedPair, registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

const verifier = new TokenVerifier(HARNESS_LIVEKIT.apiKey, HARNESS_LIVEKIT.apiSecret);
const eventsOfType = (device: Device, type: string, callId: string) => eventsOf(device).filter((e) => e.type === type && e.data['callId'] === callId);

/** Shadow-bans `person` through the operator route of the node at `url`. */
async function shadowBan(url: string, person: Person): Promise<void> {
  const set = await requestJson(url, 'POST', `/admin/users/${person.userId}`, { token: ADMIN_KEY, body: { shadowBanned: true } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
}

describe('1:1 calls through LiveKit, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const { device } = suite;
  const callRow = async (callId: string) =>
    (await suite.cluster.pool.query<{ state: string; end_reason: string | null; accepted_at: Date | null; ended_at: Date | null }>(
      'select state, end_reason, accepted_at, ended_at from calls where id = $1',
      [callId],
    )).rows[0]!;

  it('rings every device of the callee; one answers, the others stop ringing, both get tokens for the one room', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const caller = await device(n1.url, a, 'phone');
    const devices = await Promise.all([device(n0.url, b, 'phone'), device(n1.url, b, 'tablet'), device(n0.url, b, 'laptop')]);

    const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId, media: 'video' }));
    for (const d of devices) await waitForEvents(d, () => eventsOfType(d, 'call.incoming', started.callId).length === 1);

    const [phone, tablet, laptop] = devices as [Device, Device, Device];
    const access = replyOf<CallMediaAccess>(await command(tablet.room, 'call.accept', { callId: started.callId }));
    // The other two stop ringing, and the caller hears the answer.
    for (const d of [phone, laptop, caller]) await waitForEvents(d, () => eventsOfType(d, 'call.accepted', started.callId).length === 1);
    assert.equal(codeOf(await command(laptop.room, 'call.accept', { callId: started.callId })), 'CALL_NOT_RINGING');

    const calleeClaims = await verifier.verify(access.token);
    const callerAccess = replyOf<CallMediaAccess>(await command(caller.room, 'call.token', { callId: started.callId }));
    const callerClaims = await verifier.verify(callerAccess.token);
    assert.deepEqual([calleeClaims.sub, callerClaims.sub], [b.userId, a.userId]);
    assert.equal(calleeClaims.video?.room, access.room);
    assert.equal(callerClaims.video?.room, access.room);
    assert.equal(calleeClaims.video?.canPublish, true);
    assert.equal((await callRow(started.callId)).state, 'accepted');

    // A stranger gets neither the call nor a token.
    const stranger = await registerPerson(n0.url, 'stranger');
    const strangerDevice = await device(n0.url, stranger, 'phone');
    assert.equal(codeOf(await command(strangerDevice.room, 'call.token', { callId: started.callId })), 'CALL_NOT_FOUND');
    assert.equal(codeOf(await command(strangerDevice.room, 'call.end', { callId: started.callId })), 'CALL_NOT_FOUND');

    // LiveKit's webhooks: participants join, then the room finishes and the call ends for both.
    const joined = await signedWebhook({ event: 'participant_joined', room: { name: access.room }, participant: { identity: b.userId } });
    assert.equal((await postWebhook(n1.url, joined)).status, 200);
    const { rows } = await suite.cluster.pool.query('select user_id from call_participants where call_id = $1 and joined_at is not null', [started.callId]);
    assert.deepEqual(rows.map((r: { user_id: string }) => r.user_id), [b.userId]);

    const finished = await signedWebhook({ event: 'room_finished', room: { name: access.room } });
    const before = await callRow(started.callId);
    // Refused, and nothing changes: another key, a changed body, an old event.
    const forged = await signedWebhook({ event: 'room_finished', room: { name: access.room } }, { secret: 'not-the-secret-0123456789abcdef' });
    const tampered = { body: finished.body.replace('room_finished', 'room_started'), authorization: finished.authorization };
    const stale = await signedWebhook({ event: 'room_finished', room: { name: access.room } }, { createdAtS: Math.floor(Date.now() / 1000) - 3600 });
    const unsigned = { body: finished.body, authorization: '' };
    for (const bad of [forged, tampered, stale, unsigned]) assert.deepEqual(await postWebhook(n0.url, bad), { status: 401, code: 'WEBHOOK_REFUSED' });
    assert.deepEqual(await callRow(started.callId), before);

    assert.equal((await postWebhook(n0.url, finished)).status, 200);
    const after = await callRow(started.callId);
    assert.deepEqual([after.state, after.end_reason], ['ended', 'room_finished']);
    for (const d of [caller, tablet]) await waitForEvents(d, () => eventsOfType(d, 'call.ended', started.callId).length === 1);
    // Every command on the ended call answers CALL_OVER, a fresh token included.
    assert.equal(codeOf(await command(caller.room, 'call.token', { callId: started.callId })), 'CALL_OVER');
    assert.equal(codeOf(await command(tablet.room, 'call.end', { callId: started.callId })), 'CALL_OVER');
    // The same webhook again is a replay.
    assert.deepEqual(await postWebhook(n1.url, finished), { status: 401, code: 'WEBHOOK_REFUSED' });
  });

  it("handles LiveKit's retry of a webhook whose handling failed, and keeps a webhook's id no longer than a replay could pass", async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n1.url, [n1.url, n0.url]);
    const [caller, callee] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone')];
    const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId }));
    await waitForEvents(callee, () => eventsOfType(callee, 'call.incoming', started.callId).length === 1);
    const access = replyOf<CallMediaAccess>(await command(callee.room, 'call.accept', { callId: started.callId }));
    const pool = suite.cluster.pool;
    const joinedOf = async () => (await pool.query('select user_id from call_participants where call_id = $1', [started.callId])).rows.map((r: { user_id: string }) => r.user_id);
    // An id from long before, which the next webhook's arrival forgets.
    await pool.query("insert into livekit_webhooks (id, received_at) values ('EV_long_ago', now() - interval '2 hours')");

    // The first delivery fails in storage (its write refused here for the test): LiveKit is answered 5xx and sends it again.
    await pool.query(`create function refuse_participants() returns trigger language plpgsql as $$ begin raise exception 'storage refused'; end $$`);
    await pool.query('create trigger refuse_participants before insert on call_participants for each row execute function refuse_participants()');
    const joined = await signedWebhook({ event: 'participant_joined', room: { name: access.room }, participant: { identity: a.userId } });
    try {
      assert.ok((await postWebhook(n0.url, joined)).status >= 500);
      assert.deepEqual(await joinedOf(), []);
    } finally {
      await pool.query('drop trigger refuse_participants on call_participants');
      await pool.query('drop function refuse_participants');
    }
    assert.equal((await postWebhook(n1.url, joined)).status, 200, 'the retry is handled, not refused as a replay');
    assert.deepEqual(await joinedOf(), [a.userId]);
    assert.deepEqual(await postWebhook(n0.url, joined), { status: 401, code: 'WEBHOOK_REFUSED' }, 'once handled, a replay is refused');
    const kept = (await pool.query<{ id: string }>('select id from livekit_webhooks')).rows.map((r) => r.id);
    assert.ok(!kept.includes('EV_long_ago'), kept.join(' '));
    assert.ok(kept.includes(JSON.parse(joined.body).id as string));
  });

  it('cancels while ringing, declines, and refuses calls that may not be made', async () => {
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const caller = await device(n0.url, a, 'phone');
    const callee = await device(n1.url, b, 'phone');

    const first = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId }));
    assert.equal(codeOf(await command(callee.room, 'call.start', { matchId })), 'CALL_IN_PROGRESS');
    assert.equal(codeOf(await command(callee.room, 'call.cancel', { callId: first.callId })), 'NOT_THE_CALLER');
    assert.equal(codeOf(await command(caller.room, 'call.accept', { callId: first.callId })), 'NOT_THE_CALLEE');
    assert.deepEqual(replyOf(await command(caller.room, 'call.cancel', { callId: first.callId })), { callId: first.callId, state: 'cancelled', reason: 'cancelled' });
    await waitForEvents(callee, () => eventsOfType(callee, 'call.ended', first.callId).some((e) => e.data['reason'] === 'cancelled'));
    assert.equal(codeOf(await command(callee.room, 'call.accept', { callId: first.callId })), 'CALL_OVER');
    assert.equal(codeOf(await command(caller.room, 'call.token', { callId: first.callId })), 'CALL_OVER');

    const second = replyOf<CallStarted>(await command(callee.room, 'call.start', { matchId, media: 'audio' }));
    assert.deepEqual(replyOf(await command(caller.room, 'call.decline', { callId: second.callId })), { callId: second.callId, state: 'declined', reason: 'declined' });
    assert.deepEqual([(await callRow(second.callId)).state, (await callRow(second.callId)).end_reason], ['declined', 'declined']);

    const stranger = await registerPerson(n1.url, 'stranger');
    const strangerDevice = await device(n1.url, stranger, 'phone');
    assert.equal(codeOf(await command(strangerDevice.room, 'call.start', { matchId })), 'NOT_A_MEMBER');
    assert.equal(codeOf(await command(strangerDevice.room, 'call.start', { matchId: 'nope' })), 'INVALID_MESSAGE');

    // A block ends the call that is on, for both, wherever it was started.
    const third = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId }));
    replyOf(await command(callee.room, 'call.accept', { callId: third.callId }));
    const block = await requestJson(n1.url, 'POST', '/me/blocks', { token: b.accessToken, body: { userId: a.userId } });
    assert.equal(block.status, 200);
    assert.deepEqual([(await callRow(third.callId)).state, (await callRow(third.callId)).end_reason], ['ended', 'match_ended']);
    for (const d of [caller, callee]) await waitForEvents(d, () => eventsOfType(d, 'call.ended', third.callId).some((e) => e.data['reason'] === 'match_ended'));
    // B blocked: only B is told it was a block; A is refused as after an unmatch.
    assert.equal(codeOf(await command(caller.room, 'call.start', { matchId })), 'UNMATCHED');
    assert.equal(codeOf(await command(callee.room, 'call.start', { matchId })), 'BLOCKED');
  });

  it("a shadow-banned member's call is in nobody's way: the other calls them as if it were not there", async () => {
    const [n0, n1] = suite.nodes;
    const { a: shadow, b: other, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    await shadowBan(n1.url, shadow);
    const [shadowPhone, otherPhone] = [await device(n0.url, shadow, 'phone'), await device(n1.url, other, 'phone')];

    const hidden = replyOf<CallStarted>(await command(shadowPhone.room, 'call.start', { matchId }));
    assert.equal(hidden.state, 'ringing');
    // Their own view is unchanged: their call is on, so they cannot start another.
    assert.equal(codeOf(await command(shadowPhone.room, 'call.start', { matchId })), 'CALL_IN_PROGRESS');

    // The other starts a call of their own, which rings the shadow-banned member like any call.
    const back = replyOf<CallStarted>(await command(otherPhone.room, 'call.start', { matchId, media: 'audio' }));
    await waitForEvents(shadowPhone, () => eventsOfType(shadowPhone, 'call.incoming', back.callId).length === 1);
    replyOf<CallMediaAccess>(await command(shadowPhone.room, 'call.accept', { callId: back.callId }));
    await waitForEvents(otherPhone, () => eventsOfType(otherPhone, 'call.accepted', back.callId).length === 1);

    // The hidden call ends for its caller alone, and the other never hears of it.
    assert.equal(replyOf<{ state: string }>(await command(shadowPhone.room, 'call.cancel', { callId: hidden.callId })).state, 'cancelled');
    await waitForEvents(shadowPhone, () => eventsOfType(shadowPhone, 'call.ended', hidden.callId).length === 1);
    replyOf(await command(otherPhone.room, 'call.end', { callId: back.callId }));
    await waitForEvents(otherPhone, () => eventsOfType(otherPhone, 'call.ended', back.callId).length === 1);
    assert.deepEqual(eventsOf(otherPhone).filter((e) => e.data['callId'] === hidden.callId), []);
    const exported = await requestJson<{ calls: Array<{ callId: string }> }>(n0.url, 'GET', '/me/export', { token: other.accessToken });
    assert.deepEqual(exported.body.calls.map((c) => c.callId), [back.callId], 'the hidden call is not in the other’s export');
  });
});

describe('the call cap and a shadow-banned caller', function () {
  const suite = useTestCluster(1, { MAX_ACTIVE_CALLS: '1', ADMIN_API_KEY: ADMIN_KEY });

  it('leaves the hidden call out of the count: the one call the cluster may carry still rings', async () => {
    const url = suite.nodes[0]!.url;
    const [hiddenPair, pair] = await Promise.all([matchedPair(url), matchedPair(url)]);
    await shadowBan(url, hiddenPair.a);
    const [shadowPhone, caller] = [await connectDevice(url, hiddenPair.a, 'phone'), await connectDevice(url, pair.a, 'phone')];
    suite.open.push(shadowPhone, caller);
    assert.equal(replyOf<CallStarted>(await command(shadowPhone.room, 'call.start', { matchId: hiddenPair.matchId })).state, 'ringing');
    const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId: pair.matchId }));
    assert.equal(started.state, 'ringing');
    // The cap still holds for the calls that ring: one more is refused.
    const third = await matchedPair(url);
    const thirdCaller = await connectDevice(url, third.a, 'phone');
    suite.open.push(thirdCaller);
    assert.equal(codeOf(await command(thirdCaller.room, 'call.start', { matchId: third.matchId })), 'CALL_CAP_REACHED');
  });
});

describe('an unanswered call, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local' });

  it('is missed after 30 s: both hear it, storage says so, and a late answer is refused', async function () {
    this.timeout(60_000);
    const [n0, n1] = suite.nodes;
    const { a, b, matchId } = await matchedPair(n0.url, [n0.url, n1.url]);
    const caller = await connectDevice(n0.url, a, 'phone');
    const callee = await connectDevice(n1.url, b, 'phone');
    suite.open.push(caller, callee);
    const started = replyOf<CallStarted>(await command(caller.room, 'call.start', { matchId }));
    const ringingAt = Date.now();
    for (const d of [caller, callee]) {
      await waitForEvents(d, () => eventsOfType(d, 'call.ended', started.callId).some((e) => e.data['reason'] === 'missed'), 45_000);
    }
    assert.ok(Date.now() - ringingAt >= 29_000, 'not before its time');
    const { rows } = await suite.cluster.pool.query<{ state: string; end_reason: string }>('select state, end_reason from calls where id = $1', [started.callId]);
    assert.deepEqual([rows[0]!.state, rows[0]!.end_reason], ['missed', 'missed']);
    assert.equal(codeOf(await command(callee.room, 'call.accept', { callId: started.callId })), 'CALL_OVER');
  });
});

describe('the cluster-wide call cap, under concurrent starts on two nodes', function () {
  const CAP = 5;
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', MAX_ACTIVE_CALLS: String(CAP) });

  it(`lets exactly ${CAP} of 12 simultaneous calls ring, and refuses the rest with a code`, async () => {
    const nodes = suite.nodes;
    const pairs = await Promise.all(Array.from({ length: 12 }, (_, i) => matchedPair(nodes[i % 2]!.url)));
    const callers = await Promise.all(pairs.map((p, i) => connectDevice(nodes[i % 2]!.url, p.a, 'phone')));
    suite.open.push(...callers);
    const answers = await Promise.all(callers.map((c, i) => command(c.room, 'call.start', { matchId: pairs[i]!.matchId })));
    const codes = answers.map(codeOf);
    assert.equal(codes.filter((c) => c === 'ok').length, CAP, codes.join(' '));
    assert.equal(codes.filter((c) => c === 'CALL_CAP_REACHED').length, 12 - CAP, codes.join(' '));
    const { rows } = await suite.cluster.pool.query<{ n: string }>("select count(*) as n from calls where state in ('ringing', 'accepted')");
    assert.equal(Number(rows[0]!.n), CAP);
    // Operators see it too: the nodes' started counters add up to the calls that rang.
    const started = await Promise.all(nodes.map((n) => metricValue(n, /^kismet_calls_started_total[ {]/)));
    assert.equal(started[0]! + started[1]!, CAP);
  });
});
