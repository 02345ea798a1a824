import assert from 'node:assert/strict';
import type { RewindResult } from '../../contracts/session';
import { command, connectDevice, requestJson, TEST_PASSWORD, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

interface UserRow {
  readonly last_rewound_swipe_id: string | null;
  readonly likes_received: string;
  readonly event_seq: string;
  readonly push_previews: boolean;
}

/**
 * An erased account's row stays, emptied, so others' threads keep their
 * history: it keeps nothing of what the person did or was done to them, the
 * columns written since the erasure was first written included.
 */
describe('the row an erased account leaves', function () {
  const suite = useTestCluster(1, { ADMIN_API_KEY: ADMIN_KEY });
  const url = () => suite.nodes[0].url;
  const rowOf = async (userId: string) =>
    (await suite.cluster.pool.query<UserRow>('select last_rewound_swipe_id, likes_received, event_seq, push_previews from users where id = $1', [userId])).rows[0];
  const swipe = async (from: Person, to: Person, action: 'like' | 'pass') => {
    const phone = await connectDevice(url(), from, 'phone');
    suite.open.push(phone);
    replyOf(await command(phone.room, 'swipe', { fromCardId: from.card.id, toCardId: to.card.id, action }));
    return phone;
  };

  it('keeps no rewind, no like count, no stream count and no push setting', async () => {
    const [leaving, passed, liker] = await Promise.all([registerPerson(url(), 'leaving'), registerPerson(url(), 'passed'), registerPerson(url(), 'liker')]);
    const premium = await requestJson(url(), 'POST', `/admin/users/${leaving.userId}`, { token: ADMIN_KEY, body: { isPremium: true } });
    assert.equal(premium.status, 200);
    const phone = await swipe(leaving, passed, 'pass');
    assert.equal(replyOf<RewindResult>(await command(phone.room, 'rewind')).toCardId, passed.card.id);
    await swipe(liker, leaving, 'like');
    assert.equal((await requestJson(url(), 'PUT', '/me/push-settings', { token: leaving.accessToken, body: { previews: true } })).status, 200);
    await waitUntil(async () => (await rowOf(leaving.userId))?.likes_received === '1', 10_000, () => 'the like stored');
    const before = (await rowOf(leaving.userId))!;
    assert.notEqual(before.last_rewound_swipe_id, null, 'the rewind marked');
    assert.ok(Number(before.event_seq) >= 1, 'the like numbered into the stream');
    assert.equal(before.push_previews, true);

    const deleted = await requestJson(url(), 'DELETE', '/me', { token: leaving.accessToken, body: { password: TEST_PASSWORD } });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(await rowOf(leaving.userId), { last_rewound_swipe_id: null, likes_received: '0', event_seq: '0', push_previews: false });
  });
});
