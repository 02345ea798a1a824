import assert from 'node:assert/strict';
import { waitUntil } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { matchedPair } from '../support/matches';
import { hearing, payloadsTo, registerWebPush, sendText, useWebPushStandIn } from '../support/push/pushedNode';

/** So long that a push which arrives came through a notification, not through a read on the clock. */
const HOURLY = String(3_600_000);

for (const backend of BACKENDS) {
  describe(`the push outbox woken by its notifications (${backend.name})`, function () {
    const standIn = useWebPushStandIn();
    const suite = useSingleNode(backend, Object.assign(standIn.env, { PUSH_POLL_MS: HOURLY }));

    it('pushes each message at once though the node reads the outbox on its own only hourly', async () => {
      const url = suite.node.url;
      await hearing(suite.node);
      const { a, b, matchId } = await matchedPair(url);
      const phone = await registerWebPush(url, standIn.service, b, 'phone');
      for (const [i, id] of ['m-1', 'm-2', 'm-3'].entries()) {
        await sendText(url, a, matchId, id);
        await waitUntil(() => payloadsTo(standIn.service, phone, 'message.received').length === i + 1, 15_000, () => `the push of ${id}`);
      }
      assert.deepEqual(payloadsTo(standIn.service, phone, 'message.received').map((p) => p.data['unread']), [1, 2, 3]);
      assert.deepEqual(standIn.service.refusals, []);
    });
  });
}
