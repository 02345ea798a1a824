import assert from 'node:assert/strict';
import type { CardView } from '../../contracts/cards';
import { command, connectDevice, disconnect, waitForEvents, waitUntil } from '../support/accounts';
import { liveActors, useTestCluster } from '../support/cluster';
import { registerPerson, replyOf } from '../support/matches';

/**
 * "Someone viewed your profile" comes once per viewer and card in ten minutes, whatever the
 * viewer does meanwhile: leaving and joining again, on another node, makes a new session actor.
 */
describe('profile view notices, on two nodes', function () {
  // Actors go the moment their last connection does: a viewer who comes back meets a new session actor.
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ACTOR_LINGER_MS: '0' });

  it('come once in the window though the viewer’s session goes and comes back elsewhere', async () => {
    const [n0, n1] = suite.nodes;
    const [owner, viewer, other] = await Promise.all([registerPerson(n0.url, 'owner'), registerPerson(n1.url, 'viewer'), registerPerson(n1.url, 'other')]);
    const ownerPhone = await suite.device(n0.url, owner, 'phone');
    const stored = async () =>
      (await suite.cluster.pool.query<{ viewer: string }>("select payload->>'viewerId' as viewer from stored_events where user_id = $1 and type = 'profile.viewed' order by seq", [owner.userId]))
        .rows.map((r) => r.viewer);

    const first = await connectDevice(n0.url, viewer, 'phone');
    assert.equal(replyOf<CardView>(await command(first.room, 'profile.view', { cardId: owner.card.id })).id, owner.card.id);
    await waitForEvents(ownerPhone, (es) => es.some((e) => e.type === 'profile.viewed'));
    const sessionsBefore = await liveActors(suite.nodes, 'session');
    await disconnect(first);
    await waitUntil(async () => (await liveActors(suite.nodes, 'session')) === sessionsBefore - 1, 10_000, () => 'the viewer’s session actor to go');

    // Back on the other node, a new session actor: the view is answered, its owner not told again.
    const again = await suite.device(n1.url, viewer, 'tablet');
    replyOf(await command(again.room, 'profile.view', { cardId: owner.card.id }));
    assert.deepEqual(await stored(), [viewer.userId]);
    // Someone else's view is told: the notices were not simply off.
    const otherPhone = await suite.device(n1.url, other, 'phone');
    replyOf(await command(otherPhone.room, 'profile.view', { cardId: owner.card.id }));
    assert.deepEqual(await stored(), [viewer.userId, other.userId]);
  });
});
