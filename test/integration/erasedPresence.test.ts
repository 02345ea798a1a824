import assert from 'node:assert/strict';
import type { Room } from '@colyseus/sdk';
import { UserEventType } from '../../domain/userEvents';
import { KismetCloseCode } from '../../contracts/common';
import { command, eventsOf, requestJson, TEST_PASSWORD, waitForEvents, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { matchPeople, registerPerson, replyOf } from '../support/matches';

/** Resolves with the close code once the connection is closed by the server. */
const closeCode = (room: Room) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

/** The presence statuses a device heard for one person, in order. */
const presenceOf = (device: Device, userId: string) =>
  eventsOf(device).filter((e) => e.type === UserEventType.PRESENCE_CHANGED && e.data['userId'] === userId).map((e) => e.data['presence']);

describe('an erased account’s presence, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local' });

  it('is neither stored nor told to its former matches once its devices go', async () => {
    const [n0, n1] = suite.nodes;
    // A (to be erased) and C have their sessions on node 0; B, matched with both, on node 1.
    const [a, b, c] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n1.url, 'B'), registerPerson(n0.url, 'C')]);
    await matchPeople(a, b, [n0.url, n1.url]);
    await matchPeople(c, b, [n0.url, n1.url]);
    const phoneB = await suite.device(n1.url, b);
    const [phoneA, tabletA, phoneC] = [await suite.device(n0.url, a, 'phone'), await suite.device(n0.url, a, 'tablet'), await suite.device(n0.url, c)];
    assert.equal(phoneA.ready.node, tabletA.ready.node);
    assert.equal(phoneA.ready.node, phoneC.ready.node);
    // Presence flows from both to B while A's account lives.
    await waitForEvents(phoneB, () => presenceOf(phoneB, a.userId).includes('online') && presenceOf(phoneB, c.userId).includes('online'));
    const closed = [closeCode(phoneA.room), closeCode(tabletA.room)];
    const heardOfA = presenceOf(phoneB, a.userId).length;

    const erased = await requestJson(n1.url, 'DELETE', '/me', { token: a.accessToken, body: { password: TEST_PASSWORD } });
    assert.equal(erased.status, 200);
    // A's devices are closed by its session once it took their leave (and its presence with them).
    assert.deepEqual(await Promise.all(closed), [KismetCloseCode.SESSION_REVOKED, KismetCloseCode.SESSION_REVOKED]);
    // C's change goes out after it from the same node on the same way to B: once B has it, B would have had A's.
    replyOf(await command(phoneC.room, 'presence.set', { status: 'away' }));
    await waitForEvents(phoneB, () => presenceOf(phoneB, c.userId).includes('away'));

    assert.deepEqual(presenceOf(phoneB, a.userId).slice(heardOfA), [], 'B hears nothing of the erased account');
    const row = await suite.cluster.pool.query<{ last_seen_at: Date | null; deleted: boolean }>('select last_seen_at, deleted_at is not null as deleted from users where id = $1', [a.userId]);
    assert.deepEqual(row.rows, [{ last_seen_at: null, deleted: true }]);
  });
});
