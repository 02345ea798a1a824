import assert from 'node:assert/strict';
import { command, connectDevice, disconnect, eventsOf, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';
import { metricValue } from '../support/cluster';
import { registerPerson, replyOf } from '../support/matches';

for (const backend of BACKENDS) {
  describe(`retention of stored events on ${backend.name}`, function () {
    // Events are old after about 1.7 s here; the job is tried every 200 ms.
    const suite = useSingleNode(backend, { STORED_EVENT_RETENTION_DAYS: '0.00002', RETENTION_PRUNE_INTERVAL_MS: '200' });
    const open: Device[] = [];
    after(() => Promise.all(open.map(disconnect)));
    const seqsOf = (d: Device) => eventsOf(d).filter((e) => e.seq !== null).map((e) => e.seq as number);

    it('prunes what a device acknowledged once old, keeps the rest, and a new device gets the rest', async () => {
      const url = suite.node.url;
      const target = await registerPerson(url, 'T');
      const phone = await connectDevice(url, target, 'phone');
      open.push(phone);
      for (let i = 0; i < 3; i++) {
        const liker = await registerPerson(url, `liker ${i}`);
        const d = await connectDevice(url, liker, 'phone');
        open.push(d);
        replyOf(await command(d.room, 'swipe', { fromCardId: liker.card.id, toCardId: target.card.id, action: 'like' }));
      }
      await waitForEvents(phone, () => seqsOf(phone).length === 3);
      replyOf(await command(phone.room, 'events.ack', { seq: 2 }));
      await waitUntil(async () => (await metricValue(suite.node, /^kismet_stored_events_pruned_total/)) === 2, 20_000, () => 'two events pruned');

      const laptop = await connectDevice(url, target, 'laptop');
      open.push(laptop);
      assert.equal(laptop.ready.latestSeq, 3);
      await waitForEvents(laptop, () => seqsOf(laptop).length >= 1);
      // Nothing more comes: the event after it is a fresh one, numbered on.
      const liker = await registerPerson(url, 'late liker');
      const d = await connectDevice(url, liker, 'phone');
      open.push(d);
      replyOf(await command(d.room, 'swipe', { fromCardId: liker.card.id, toCardId: target.card.id, action: 'like' }));
      await waitForEvents(laptop, () => seqsOf(laptop).includes(4));
      assert.deepEqual(seqsOf(laptop), [3, 4]);
      assert.equal(await metricValue(suite.node, /^kismet_stored_events_pruned_total/), 2);
    });
  });
}
