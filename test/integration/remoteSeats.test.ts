import assert from 'node:assert/strict';
import { connectDevice, registerUser, type Device } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { RedisMonitor } from '../support/redisMonitor';

const USERS = 12;

/** The port of the node whose actor a device is in (the SDK connects at that node's public address). */
const actorPort = (device: Device) => Number(new URL(device.room.connection.url ?? '').port);

const remoteSeats = (node: { readonly url: string }, outcome: string) => metricValue(node, new RegExp(`^kismet_remote_seats_total\\{outcome="${outcome}"`));

/**
 * A join that reaches one node for an actor on another: placed there and created
 * with the join's seat in one request, or seated in the listed actor in one, and
 * answered on a channel each node listens on from its start.
 */
describe('seats in actors on another node', function () {
  const suite = useTestCluster(2);

  it('are one request there and one answer back, with no reply channel of their own', async () => {
    const [entry, other] = suite.nodes;
    const seatedBefore = await remoteSeats(entry, 'seated');
    const monitor = await RedisMonitor.start(suite.cluster.env['REDIS_URL']!);
    try {
      const users = await Promise.all(Array.from({ length: USERS }, () => registerUser(entry.url)));
      // Every actor is created by a join through `entry`; a second device then takes a seat in the listed actor.
      const phones = await Promise.all(users.map((user) => connectDevice(entry.url, user, 'phone')));
      suite.open.push(...phones);
      const tablets = await Promise.all(users.map((user) => connectDevice(entry.url, user, 'tablet')));
      suite.open.push(...tablets);

      const elsewhere = phones.filter((phone) => actorPort(phone) === other.port).length;
      assert.ok(elsewhere > 0, 'placement put some of the actors on the other node');
      for (const [i, tablet] of tablets.entries()) assert.equal(tablet.room.roomId, phones[i]!.room.roomId, 'both devices are in the one actor');
      assert.equal((await remoteSeats(entry, 'seated')) - seatedBefore, 2 * elsewhere, 'one remote seat per join of an actor on the other node');
    } finally {
      monitor.stop();
    }
    const { commands } = monitor;
    const replyChannels = commands.filter(([command, channel]) => /^(p?subscribe)$/i.test(command ?? '') && channel?.startsWith('ipc:'));
    assert.deepEqual(replyChannels, [], 'no join subscribed a reply channel of its own');
    assert.ok(commands.some(([command, channel]) => /^publish$/i.test(command ?? '') && channel?.startsWith('kismet:seats:')), 'the requests went to the other node’s channel');
  });

  it('are created and seated on the node the join reached when the placed node does not answer', async function () {
    this.timeout(60_000);
    const [entry, other] = suite.nodes;
    const unansweredBefore = await remoteSeats(entry, 'unanswered');
    const users = await Promise.all(Array.from({ length: 8 }, () => registerUser(entry.url)));
    other.child.kill('SIGSTOP');
    try {
      // The stopped node reports no new actors: placement soon offers it the next one, which goes unanswered.
      const phones: Device[] = [];
      for (const user of users) phones.push(await connectDevice(entry.url, user, 'phone'));
      suite.open.push(...phones);
      for (const phone of phones) assert.equal(actorPort(phone), entry.port, 'served by a live node');
      assert.ok((await remoteSeats(entry, 'unanswered')) > unansweredBefore, 'a creation was asked of the stopped node, and went unanswered');
    } finally {
      other.child.kill('SIGCONT');
    }
  });
});
