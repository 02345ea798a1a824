import assert from 'node:assert/strict';
import type { CallStarted } from '../../contracts/calls';
import { command, eventsOf, requestJson, waitForEvents, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { codeOf, matchPeople, registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

const callEvents = (device: Device, callId: string) => eventsOf(device).filter((e) => e.data['callId'] === callId);

/**
 * A person is on one call at a time, like a phone line: the cluster's cap on calls cannot be
 * filled by a few accounts holding a call on each of their many matches.
 */
describe('one call at a time per person, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });

  const { device } = suite;
  const callState = async (callId: string) => (await suite.cluster.pool.query<{ state: string }>('select state from calls where id = $1', [callId])).rows[0]!.state;
  const liveCallsOf = async (userId: string) =>
    Number(
      (await suite.cluster.pool.query<{ n: string }>("select count(*) as n from calls where state in ('ringing', 'accepted') and (caller_id = $1 or callee_id = $1)", [userId]))
        .rows[0]!.n,
    );
  /** A person matched with each of `others`, the likes going through both nodes; the match ids in order. */
  const matchWithEach = async (person: Person, others: readonly Person[]) => {
    const [n0, n1] = suite.nodes;
    const ids: string[] = [];
    for (const other of others) ids.push(await matchPeople(person, other, [n0.url, n1.url]));
    return ids;
  };

  it('refuses a second call while one rings or is answered, and the callee on an answered call is busy; both free once it ended', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b, c] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n0.url, 'B'), registerPerson(n1.url, 'C')]);
    const [withB, withC] = (await matchWithEach(a, [b, c])) as [string, string];
    const [phoneA, phoneB, phoneC] = [await device(n0.url, a, 'phone'), await device(n1.url, b, 'phone'), await device(n0.url, c, 'phone')];

    const first = replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId: withB }));
    assert.equal(codeOf(await command(phoneA.room, 'call.start', { matchId: withC })), 'ALREADY_IN_CALL', 'a second call while the first rings');

    // C may ring A while A's own call rings (A is not on a call yet), but A cannot take it without ending their own.
    const fromC = replyOf<CallStarted>(await command(phoneC.room, 'call.start', { matchId: withC }));
    await waitForEvents(phoneA, () => callEvents(phoneA, fromC.callId).some((e) => e.type === 'call.incoming'));
    assert.equal(codeOf(await command(phoneA.room, 'call.accept', { callId: fromC.callId })), 'ALREADY_IN_CALL', 'an answer while dialling out');
    assert.equal(await callState(fromC.callId), 'ringing', 'the refused answer leaves the call ringing');
    replyOf(await command(phoneC.room, 'call.cancel', { callId: fromC.callId }));

    replyOf(await command(phoneB.room, 'call.accept', { callId: first.callId }));
    assert.equal(codeOf(await command(phoneA.room, 'call.start', { matchId: withC })), 'ALREADY_IN_CALL', 'a second call while the first is answered');
    // A busy line: C hears it at once, and A's devices do not ring.
    assert.equal(codeOf(await command(phoneC.room, 'call.start', { matchId: withC })), 'CALLEE_BUSY');
    assert.equal(await liveCallsOf(a.userId), 1);

    replyOf(await command(phoneB.room, 'call.end', { callId: first.callId }));
    await waitForEvents(phoneA, () => callEvents(phoneA, first.callId).some((e) => e.type === 'call.ended'));
    const second = replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId: withC }));
    assert.equal(second.state, 'ringing', 'free again once the first call ended');
    replyOf(await command(phoneA.room, 'call.cancel', { callId: second.callId }));
  });

  it('refuses an answer by a callee already on an answered call, and leaves that call ringing for later', async () => {
    const [n0, n1] = suite.nodes;
    const [x, y, z] = await Promise.all([registerPerson(n0.url, 'X'), registerPerson(n1.url, 'Y'), registerPerson(n0.url, 'Z')]);
    const [withY, withZ] = (await matchWithEach(x, [y, z])) as [string, string];
    const [phoneX, phoneY, phoneZ] = [await device(n1.url, x, 'phone'), await device(n0.url, y, 'phone'), await device(n1.url, z, 'phone')];

    // Both ring X: being rung is no call yet.
    const fromY = replyOf<CallStarted>(await command(phoneY.room, 'call.start', { matchId: withY }));
    const fromZ = replyOf<CallStarted>(await command(phoneZ.room, 'call.start', { matchId: withZ }));
    replyOf(await command(phoneX.room, 'call.accept', { callId: fromY.callId }));
    assert.equal(codeOf(await command(phoneX.room, 'call.accept', { callId: fromZ.callId })), 'ALREADY_IN_CALL');
    assert.equal(await callState(fromZ.callId), 'ringing');
    assert.deepEqual(callEvents(phoneZ, fromZ.callId), [], 'Z hears nothing of the refused answer');

    replyOf(await command(phoneX.room, 'call.end', { callId: fromY.callId }));
    replyOf(await command(phoneX.room, 'call.accept', { callId: fromZ.callId }));
    await waitForEvents(phoneZ, () => callEvents(phoneZ, fromZ.callId).some((e) => e.type === 'call.accepted'));
    replyOf(await command(phoneZ.room, 'call.end', { callId: fromZ.callId }));
  });

  it('lets exactly one of four simultaneous starts by one person, on four matches through two nodes, ring', async () => {
    const [n0, n1] = suite.nodes;
    const a = await registerPerson(n0.url, 'A');
    const others = await Promise.all([0, 1, 2, 3].map((i) => registerPerson(n1.url, `other-${i}`)));
    const matchIds = await matchWithEach(a, others);
    const devices = await Promise.all(matchIds.map((_, i) => device(i % 2 === 0 ? n0.url : n1.url, a, `device-${i}`)));

    const codes = (await Promise.all(devices.map((d, i) => command(d.room, 'call.start', { matchId: matchIds[i]! })))).map(codeOf);
    assert.equal(codes.filter((c) => c === 'ok').length, 1, codes.join(' '));
    assert.equal(codes.filter((c) => c === 'ALREADY_IN_CALL').length, 3, codes.join(' '));
    assert.equal(await liveCallsOf(a.userId), 1);
  });

  it('lets exactly one of two simultaneous answers by one callee, through two nodes, through', async () => {
    const [n0, n1] = suite.nodes;
    const [x, y, z] = await Promise.all([registerPerson(n0.url, 'X'), registerPerson(n1.url, 'Y'), registerPerson(n0.url, 'Z')]);
    const [withY, withZ] = (await matchWithEach(x, [y, z])) as [string, string];
    const [phoneY, phoneZ] = [await device(n0.url, y, 'phone'), await device(n1.url, z, 'phone')];
    const [xOnN0, xOnN1] = [await device(n0.url, x, 'phone'), await device(n1.url, x, 'tablet')];
    const fromY = replyOf<CallStarted>(await command(phoneY.room, 'call.start', { matchId: withY }));
    const fromZ = replyOf<CallStarted>(await command(phoneZ.room, 'call.start', { matchId: withZ }));

    const codes = (
      await Promise.all([command(xOnN0.room, 'call.accept', { callId: fromY.callId }), command(xOnN1.room, 'call.accept', { callId: fromZ.callId })])
    ).map(codeOf);
    assert.deepEqual([...codes].sort(), ['ALREADY_IN_CALL', 'ok'], codes.join(' '));
    const { rows } = await suite.cluster.pool.query<{ n: string }>("select count(*) as n from calls where state = 'accepted' and callee_id = $1", [x.userId]);
    assert.equal(Number(rows[0]!.n), 1);
  });

  it('lets someone whose phone rings call out', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b, c] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n0.url, 'B'), registerPerson(n1.url, 'C')]);
    const [withB, withC] = (await matchWithEach(a, [b, c])) as [string, string];
    const [phoneA, phoneC] = [await device(n0.url, a, 'phone'), await device(n1.url, c, 'phone')];
    const fromC = replyOf<CallStarted>(await command(phoneC.room, 'call.start', { matchId: withC }));
    await waitForEvents(phoneA, () => callEvents(phoneA, fromC.callId).some((e) => e.type === 'call.incoming'));
    const out = replyOf<CallStarted>(await command(phoneA.room, 'call.start', { matchId: withB }));
    assert.equal(out.state, 'ringing');
    for (const [phone, callId] of [[phoneA, out.callId], [phoneC, fromC.callId]] as const) replyOf(await command(phone.room, 'call.cancel', { callId }));
  });

  it("counts a shadow-banned caller's hidden call on their own line only", async () => {
    const [n0, n1] = suite.nodes;
    const [shadow, b, c] = await Promise.all([registerPerson(n0.url, 'S'), registerPerson(n1.url, 'B'), registerPerson(n1.url, 'C')]);
    const [withB, withC] = (await matchWithEach(shadow, [b, c])) as [string, string];
    const banned = await requestJson(n1.url, 'POST', `/admin/users/${shadow.userId}`, { token: ADMIN_KEY, body: { shadowBanned: true } });
    assert.equal(banned.status, 200, JSON.stringify(banned.body));
    const [shadowPhone, phoneB] = [await device(n0.url, shadow, 'phone'), await device(n1.url, b, 'phone')];
    const bFriend = await registerPerson(n0.url, 'friend');
    const [bWithFriend] = (await matchWithEach(b, [bFriend])) as [string];

    const hidden = replyOf<CallStarted>(await command(shadowPhone.room, 'call.start', { matchId: withB }));
    // Their own view is a phone line like anyone's.
    assert.equal(codeOf(await command(shadowPhone.room, 'call.start', { matchId: withC })), 'ALREADY_IN_CALL');
    // The person it "rings" never heard of it: their line is free to call someone else.
    const fromB = replyOf<CallStarted>(await command(phoneB.room, 'call.start', { matchId: bWithFriend }));
    replyOf(await command(phoneB.room, 'call.cancel', { callId: fromB.callId }));
    replyOf(await command(shadowPhone.room, 'call.cancel', { callId: hidden.callId }));
  });
});
