import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LocalPresence } from '@colyseus/core';
import { Redis } from 'ioredis';
import { BatchedRedisPresence } from '../../server/cluster/batchedPresence';
import { processChannel, processChannelListeners } from '../../server/cluster/processChannel';
import { CLUSTER_ENTRY_TTL_S, PresenceConnectedDevices } from '../../server/push/connectedDevices';
import { waitUntil } from '../support/accounts';
import { servicesOrSkip } from '../support/services';

describe('connected devices across a cluster, on real Redis', function () {
  // Channels are shared by every database of a Redis: each run uses node ids of its own.
  const runId = randomUUID();
  const node = (name: string) => `kismet-test-${runId}-${name}`;
  let redisUrl = '';
  let presence: BatchedRedisPresence | undefined;
  let commands: Redis | undefined;
  const opened: Redis[] = [];
  /** Every pattern the presence was asked to list channels for. */
  const listed: string[] = [];

  /** A live node: a connection listening on its process channel, as Colyseus's does. */
  const liveNode = async (id: string): Promise<Redis> => {
    const connection = new Redis(redisUrl);
    opened.push(connection);
    await connection.subscribe(processChannel(id));
    return connection;
  };

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    redisUrl = services.redisUrl;
    presence = new BatchedRedisPresence(new Redis(redisUrl));
    commands = new Redis(redisUrl);
    const channels = presence.channels.bind(presence);
    presence.channels = (pattern?: string) => {
      listed.push(pattern ?? '*');
      return channels(pattern);
    };
  });

  after(async () => {
    presence?.shutdown();
    await commands?.quit();
    for (const connection of opened) connection.disconnect();
  });

  it('counts the listeners on one process channel', async () => {
    const id = node('counted');
    assert.equal(await processChannelListeners(commands!, id), 0);
    const first = await liveNode(id);
    const second = await liveNode(id);
    assert.equal(await processChannelListeners(commands!, id), 2);
    first.disconnect();
    second.disconnect();
    await waitUntil(async () => (await processChannelListeners(commands!, id)) === 0, 10_000, () => 'the channel still has listeners');
  });

  it('counts a device connected through a node that listens, none through a node gone, and asks about that node alone', async () => {
    const nodeB = await liveNode(node('b'));
    const devices = new PresenceConnectedDevices(presence!, () => node('a'), { nodeListening: async (id) => (await processChannelListeners(commands!, id)) > 0 });
    const [onA, onB, onKilled] = [randomUUID(), randomUUID(), randomUUID()];
    await devices.connected(onA, 'phone');
    await new PresenceConnectedDevices(presence!, () => node('b')).connected(onB, 'phone');
    await new PresenceConnectedDevices(presence!, () => node('killed')).connected(onKilled, 'phone');

    assert.equal(await devices.isConnected(onA, 'phone'), true);
    assert.equal(await devices.isConnected(onB, 'phone'), true);
    assert.equal(await devices.isConnected(onB, 'tablet'), false);
    assert.equal(await devices.isConnected(onKilled, 'phone'), false, 'an entry left by a node nobody listens for');
    assert.deepEqual(listed, [], 'the list of every channel is never asked for');

    // Node b's connection drops (a kill): Redis drops its channel at once, and its devices stop counting.
    nodeB.disconnect();
    await waitUntil(async () => !(await devices.isConnected(onB, 'phone')), 10_000, () => 'a device of a node gone still counted');
    await devices.disconnected(onA, 'phone');
    assert.equal(await devices.isConnected(onA, 'phone'), false);
    await commands!.del(...[onA, onB, onKilled].map((user) => `kismet:devices:${user}`));
  });

  it('lets the entries of a device that never came back go, once no device of the user connected for their lifetime', async () => {
    const user = randomUUID();
    const key = `kismet:devices:${user}`;
    await new PresenceConnectedDevices(presence!, () => node('killed-later'), { entryTtlS: CLUSTER_ENTRY_TTL_S }).connected(user, 'phone');
    const ttl = await commands!.ttl(key);
    assert.ok(ttl > CLUSTER_ENTRY_TTL_S - 60 && ttl <= CLUSTER_ENTRY_TTL_S, `the entries live a week from the last connection (ttl ${ttl} s)`);
    // Without a goodbye (its node was killed), with a lifetime of a second: the entries go by themselves.
    await new PresenceConnectedDevices(presence!, () => node('killed-later'), { entryTtlS: 1 }).connected(user, 'tablet');
    assert.deepEqual(Object.keys(await commands!.hgetall(key)).sort(), ['phone', 'tablet']);
    await waitUntil(async () => (await commands!.exists(key)) === 0, 10_000, () => 'the entries of a user whose devices never came back stayed');
  });
});

describe('connected devices on one node (in-process presence)', () => {
  it('counts its own devices and no entry that names another node', async () => {
    const presence = new LocalPresence();
    // A new view each time: a node's answer is kept for a second.
    const devices = () => new PresenceConnectedDevices(presence, () => 'this-node');
    await devices().connected('u-1', 'phone');
    await new PresenceConnectedDevices(presence, () => 'gone-node').connected('u-2', 'phone');
    await presence.subscribe(processChannel('this-node'), () => undefined);
    assert.equal(await devices().isConnected('u-1', 'phone'), true);
    assert.equal(await devices().isConnected('u-2', 'phone'), false);
    // A channel whose name only contains the other node's is not its.
    await presence.subscribe(`x${processChannel('gone-node')}x`, () => undefined);
    assert.equal(await devices().isConnected('u-2', 'phone'), false);
    await presence.subscribe(processChannel('gone-node'), () => undefined);
    assert.equal(await devices().isConnected('u-2', 'phone'), true);
  });

  it('fails when whether a node listens cannot be told, and asks again on the next call', async () => {
    const presence = new LocalPresence();
    let answers = 0;
    const devices = new PresenceConnectedDevices(presence, () => 'this-node', { nodeListening: () => (++answers === 1 ? Promise.reject(new Error('Redis away')) : Promise.resolve(true)) });
    await new PresenceConnectedDevices(presence, () => 'other-node').connected('u-3', 'phone');
    await assert.rejects(devices.isConnected('u-3', 'phone'), /Redis away/);
    assert.equal(await devices.isConnected('u-3', 'phone'), true);
    assert.equal(answers, 2);
  });
});
