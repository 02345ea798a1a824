import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../db/database';
import { saveDeviceCursors } from '../../db/repositories/eventRepository';
import { command, connectDevice, eventsOf, waitForEvents, type Device } from '../support/accounts';
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
      ]);
      assert.deepEqual(await cursors(person.userId), { phone: 7, laptop: 2 });
    } finally {
      await database.close();
    }
  });
});
