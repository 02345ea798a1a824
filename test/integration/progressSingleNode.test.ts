import assert from 'node:assert/strict';
import type { ProgressResponse } from '../../contracts/progress';
import type { SwipeResult } from '../../contracts/session';
import { questsForDay, utcDay, XP_RULES } from '../../domain/progress';
import { command, connectDevice, disconnect, eventsOf, requestJson, waitForEvents, type Device } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { registerPerson, replyOf } from '../support/matches';

for (const backend of BACKENDS) {
  describe(`progress on ${backend.name}`, function () {
    const suite = useSingleNode(backend);
    const open: Device[] = [];
    after(() => Promise.all(open.map(disconnect)));

    it('counts a match once for each owner, with level.up, through a retried like', async () => {
      const url = suite.node.url;
      const [a, b] = await Promise.all([registerPerson(url, 'A'), registerPerson(url, 'B')]);
      const [da, db] = await Promise.all([connectDevice(url, a, 'phone'), connectDevice(url, b, 'phone')]);
      open.push(da, db);
      replyOf(await command(da.room, 'swipe', { fromCardId: a.card.id, toCardId: b.card.id, action: 'like' }));
      const liked = () => command(db.room, 'swipe', { fromCardId: b.card.id, toCardId: a.card.id, action: 'like' });
      assert.equal(replyOf<SwipeResult>(await liked()).matched, true);
      assert.equal(replyOf<SwipeResult>(await liked()).repeated, true);
      const questXp = questsForDay(utcDay(Date.now())).filter((q) => q.action === 'match').reduce((sum, q) => sum + q.xp, 0);
      for (const [user, d] of [[a, da], [b, db]] as const) {
        await waitForEvents(d, (events) => events.some((e) => e.type === 'level.up'));
        const progress = await requestJson<ProgressResponse>(url, 'GET', '/me/progress', { token: user.accessToken });
        assert.deepEqual([progress.body.xp, progress.body.level], [XP_RULES.match + questXp, 2]);
        assert.equal(eventsOf(d).filter((e) => e.type === 'level.up').length, 1);
      }
    });
  });
}
