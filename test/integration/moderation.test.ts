import assert from 'node:assert/strict';
import { KismetCloseCode } from '../../rooms/contracts/common';
import { ThreadClient } from '../../loadtest/client/threadClient';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { command, connectDevice, disconnect, eventsOf, expectJoinRefused, postJson, requestJson, TEST_PASSWORD, waitForEvents, type Device } from '../support/accounts';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { matchedPair } from '../support/matches';

const ADMIN_KEY = 'kismet-test-admin-key-0123456789abcdef';

describe('blocking and banning, on two nodes', function () {
  let cluster: TestCluster | undefined;
  const open: Array<Device | ThreadClient> = [];

  before(async function () {
    cluster = await startTestCluster(this, 2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });
  });

  after(async () => {
    for (const c of open) (c instanceof ThreadClient ? c.close() : await disconnect(c));
    await cluster?.close();
  });

  it('hides two people from each other’s presence as soon as one blocks the other, across nodes', async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    const { a, b } = await matchedPair(n0.url);
    const watcher = await connectDevice(n0.url, a, 'phone');
    open.push(watcher);
    const presenceOf = (userId: string) =>
      eventsOf(watcher).filter((e) => e.type === 'presence.changed' && (e.data as { userId?: string }).userId === userId).length;
    // Matched: B's presence, from a session on the other node, reaches A.
    const tablet = await connectDevice(n1.url, b, 'tablet');
    open.push(tablet);
    await waitForEvents(watcher, () => presenceOf(b.userId) === 1);
    await command(tablet.room, 'presence.set', { status: 'away' });
    await waitForEvents(watcher, () => presenceOf(b.userId) === 2);

    const block = await requestJson(n1.url, 'POST', '/me/blocks', { token: b.accessToken, body: { userId: a.userId } });
    assert.equal(block.status, 200);
    await waitForEvents(watcher, (events) => events.some((e) => e.type === 'match.ended'));
    // Blocked: the same live session's changes no longer reach A.
    await command(tablet.room, 'presence.set', { status: 'online' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(presenceOf(b.userId), 2);
  });

  it('closes every connection of the account at once, wherever it is, and keeps it out', async () => {
    const [n0, n1] = cluster!.nodes as [NodeHandle, NodeHandle];
    const { a: banned, b: other, matchId } = await matchedPair(n0.url);
    const login = await postJson<{ refreshToken: string }>(n0.url, '/auth/login', { email: banned.email, password: TEST_PASSWORD });
    assert.equal(login.status, 200);
    // The account's session lives on node 0, its thread on node 1; the other member shares the thread.
    const session = await connectDevice(n0.url, banned, 'phone');
    const thread = await ThreadClient.join(n1.url, banned, matchId);
    const otherThread = await ThreadClient.join(n1.url, other, matchId);
    open.push(session, thread, otherThread);
    assert.notEqual(session.ready.node, thread.ready.node);
    const sessionClosed = new Promise<number>((resolve) => session.room.onLeave((code) => resolve(code)));

    // The operator's request goes to node 0.
    const ban = await requestJson<{ banned: boolean }>(n0.url, 'POST', `/admin/users/${banned.userId}`, { token: ADMIN_KEY, body: { banned: true } });
    assert.deepEqual([ban.status, ban.body.banned], [200, true]);
    assert.deepEqual(await Promise.all([sessionClosed, thread.closed()]), [KismetCloseCode.SESSION_REVOKED, KismetCloseCode.SESSION_REVOKED]);

    // The other member stays, and the thread goes on for them.
    assert.equal(otherThread.open, true);
    assert.ok('ok' in (await otherThread.sendText('still-here', 'hello?')));
    // Kept out: no log-in, no refresh, and the access token it still holds opens nothing.
    const relogin = await postJson<{ code: string }>(n1.url, '/auth/login', { email: banned.email, password: TEST_PASSWORD });
    assert.deepEqual([relogin.status, relogin.body.code], [403, 'ACCOUNT_BANNED']);
    const refresh = await postJson<{ code: string }>(n1.url, '/auth/refresh', { refreshToken: login.body.refreshToken });
    assert.equal(refresh.body.code, 'ACCOUNT_BANNED');
    assert.equal(await expectJoinRefused(connectDevice(n1.url, banned, 'phone')), 'ACCOUNT_BANNED');
    assert.equal(await ThreadClient.join(n0.url, banned, matchId).then(() => 'joined', (error: { code?: string }) => error.code), 'ACCOUNT_BANNED');
  });
});
