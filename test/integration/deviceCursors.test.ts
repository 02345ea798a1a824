import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../db/database';
import { saveDeviceCursors } from '../../db/repositories/eventRepository';
import { MAX_DEVICE_CURSORS } from '../../domain/userEvents';
import { command, connectDevice, disconnect, eventsOf, waitForEvents, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { registerPerson, replyOf, type Person } from '../support/matches';

/**
 * A node's devices' acknowledgements share one statement per flush
 * (db/sessionLedger): each device must still keep its own cursor, the highest it
 * acknowledged, and one gone account must not cost the others theirs.
 */
describe('acknowledgements stored together', function () {
  const suite = useTestCluster(1);
  const url = () => suite.nodes[0].url;

  async function cursors(userId: string): Promise<Record<string, number>> {
    const { rows } = await suite.cluster.pool.query('select device_id, acked_seq::int as seq from device_cursors where user_id = $1', [userId]);
    return Object.fromEntries(rows.map((row: { device_id: string; seq: number }) => [row.device_id, row.seq]));
  }

  async function likedBy(target: Person, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const liker = await registerPerson(url(), `liker ${i}`);
      const phone = await connectDevice(url(), liker, 'phone');
      suite.open.push(phone);
      replyOf(await command(phone.room, 'swipe', { fromCardId: liker.card.id, toCardId: target.card.id, action: 'like' }));
    }
  }

  it('keeps each device its own cursor when many acknowledge at once, and never moves one back', async () => {
    const target = await registerPerson(url(), 'T');
    const names = ['phone', 'laptop', 'tablet', 'watch'];
    const devices: Device[] = await Promise.all(names.map((name) => connectDevice(url(), target, name)));
    suite.open.push(...devices);
    await likedBy(target, 4);
    await Promise.all(devices.map((d) => waitForEvents(d, () => eventsOf(d).filter((e) => e.seq !== null).length === 4)));

    // All at once, the phone twice: the higher of its two stands.
    const asked = [4, 3, 2, 1];
    const replies = await Promise.all([
      ...devices.map((d, i) => command(d.room, 'events.ack', { seq: asked[i]! })),
      command(devices[0]!.room, 'events.ack', { seq: 1 }),
    ]);
    assert.deepEqual(replies.map((r) => replyOf<{ ackedSeq: number }>(r).ackedSeq), [4, 3, 2, 1, 1]);
    assert.deepEqual(await cursors(target.userId), { phone: 4, laptop: 3, tablet: 2, watch: 1 });

    // Later and lower: answered, and the cursor stays where it was.
    replyOf(await command(devices[1]!.room, 'events.ack', { seq: 1 }));
    assert.deepEqual(await cursors(target.userId), { phone: 4, laptop: 3, tablet: 2, watch: 1 });
  });

  it(`keeps an account's ${MAX_DEVICE_CURSORS} devices seen last, however many ids it invents, and a device let go gets its stream as a new one`, async () => {
    const person = await registerPerson(url(), 'P');
    const phone = await connectDevice(url(), person, 'phone');
    await likedBy(person, 3);
    await waitForEvents(phone, () => eventsOf(phone).filter((e) => e.seq !== null).length === 3);
    replyOf(await command(phone.room, 'events.ack', { seq: 3 }));
    await disconnect(phone);

    // Joins with made-up device ids, each acknowledging and leaving: the phone, seen longest ago, goes first.
    const invented = Array.from({ length: MAX_DEVICE_CURSORS + 5 }, (_, i) => `made-up-${String(i).padStart(2, '0')}`);
    for (const deviceId of invented) {
      const device = await connectDevice(url(), person, deviceId);
      assert.deepEqual(replyOf(await command(device.room, 'events.ack', { seq: 0 })), { ackedSeq: 0 });
      await disconnect(device);
    }
    const kept = await cursors(person.userId);
    assert.deepEqual(Object.keys(kept).sort(), invented.slice(-MAX_DEVICE_CURSORS), 'the ids seen last, and no more');

    // The phone joins again: a new device now, it starts from the newest 500 (all 3 here), each once and in order, then live.
    const again = await connectDevice(url(), person, 'phone');
    suite.open.push(again);
    assert.equal(again.ready.latestSeq, 3);
    await waitForEvents(again, () => eventsOf(again).filter((e) => e.seq !== null).length === 3);
    await likedBy(person, 1);
    await waitForEvents(again, () => eventsOf(again).some((e) => e.seq === 4));
    assert.deepEqual(eventsOf(again).filter((e) => e.seq !== null).map((e) => e.seq), [1, 2, 3, 4]);
    replyOf(await command(again.room, 'events.ack', { seq: 4 }));
    const after = await cursors(person.userId);
    assert.equal(after['phone'], 4, 'its acknowledgement gives it a cursor again');
    assert.equal(Object.keys(after).length, MAX_DEVICE_CURSORS);
    assert.equal(after[invented[invented.length - MAX_DEVICE_CURSORS]!], undefined, 'the invented id seen longest ago made room');
  });

  it('passes over a device whose account is gone, keeps the higher of two in one statement, and stores the rest', async () => {
    const person = await registerPerson(url(), 'P');
    const database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 1 });
    try {
      const at = new Date();
      await saveDeviceCursors(database.db, [
        { userId: randomUUID(), deviceId: 'phone', ackedSeq: 9, at },
        { userId: person.userId, deviceId: 'phone', ackedSeq: 7, at },
        { userId: person.userId, deviceId: 'phone', ackedSeq: 5, at },
        { userId: person.userId, deviceId: 'laptop', ackedSeq: 2, at },
      ], MAX_DEVICE_CURSORS);
      assert.deepEqual(await cursors(person.userId), { phone: 7, laptop: 2 });
    } finally {
      await database.close();
    }
  });
});
