import assert from 'node:assert/strict';
import type { TokenPair } from '../../contracts/auth';
import { command, connectDevice, registerUser, withTimeout, type Device } from '../support/accounts';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { inBatches } from '../support/batches';
import { liveActors, metricValue } from '../support/cluster';
import { createScratchDatabase, scratchRedis, servicesOrSkip } from '../support/services';
import { SessionEventType, type DevicesChangedMessage } from '../../contracts/session';

const USERS = 200;
const DEVICES_PER_USER = 3;

/** The device list a device last heard of, from session.ready and then devices.changed. */
function latestDevices(device: Device): string[] {
  const changes = device.received.filter((m) => m.type === SessionEventType.DEVICES_CHANGED);
  const last = changes.length > 0 ? (changes[changes.length - 1]!.message as DevicesChangedMessage).devices : device.ready.devices;
  return last.map((d) => d.deviceId).sort();
}

describe('cluster of two nodes on one Redis and one Postgres', function () {
  let nodes: NodeHandle[] = [];
  let cleanup: Array<() => Promise<void>> = [];
  let redis: Awaited<ReturnType<typeof scratchRedis>>;

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true, redis: true });
    if (!services) return;
    const database = await createScratchDatabase(services.databaseUrl);
    redis = await scratchRedis(services.redisUrl);
    cleanup = [() => database.drop(), () => redis.close()];
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url };
    // Started one after the other so the second finds the schema migrated; racing is covered by kysely's lock.
    // Each node advertises 127.0.0.1:<its port>, the configuration's default.
    for (let i = 0; i < 2; i++) nodes.push(await startNodeProcess(env));
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const step of cleanup) await step();
    nodes = [];
  });

  describe(`${USERS} users connecting ${DEVICES_PER_USER} devices each at once, across both nodes`, () => {
    let users: TokenPair[] = [];
    let devices: Device[][] = [];
    /** For each device: the index of the node it made its join request to. */
    const entryNode = (userIndex: number, deviceIndex: number) => (userIndex + deviceIndex) % 2;

    before(async function () {
      if (nodes.length === 0) return;
      users = await inBatches(Array.from({ length: USERS }), 16, (_, i) => registerUser(nodes[i % 2]!.url));
      const joins = users.map((user, u) =>
        Promise.all(
          Array.from({ length: DEVICES_PER_USER }, (_, d) => connectDevice(nodes[entryNode(u, d)]!.url, user, `device-${d}`)),
        ),
      );
      devices = await Promise.all(joins);
    });

    after(async () => {
      await Promise.all(devices.flat().map((d) => d.room.leave().catch(() => undefined)));
    });

    it('has exactly one session actor per user in the cluster room listing', async () => {
      const listing = Object.values(await redis.redis.hgetall('roomcaches')).map((raw) => JSON.parse(raw) as { name: string; roomId: string; processId: string });
      const sessions = listing.filter((room) => room.name === 'session');
      assert.equal(sessions.length, USERS);
      assert.deepEqual(
        sessions.map((s) => s.roomId).sort(),
        users.map((u) => `session_${u.userId}`).sort(),
      );
      const perNode = await Promise.all(nodes.map((n) => liveActors([n], 'session')));
      assert.equal(perNode.reduce((a, b) => a + b, 0), USERS, `live session actors per node: ${perNode.join(', ')}`);
    });

    it('places every device of a user in that one actor', async () => {
      for (const [u, userDevices] of devices.entries()) {
        const roomIds = new Set(userDevices.map((d) => d.room.roomId));
        const actorNodes = new Set(userDevices.map((d) => d.ready.node));
        assert.deepEqual([...roomIds], [`session_${users[u]!.userId}`]);
        assert.equal(actorNodes.size, 1, `user ${u} reached actors on ${[...actorNodes].join(', ')}`);
      }
      const expected = Array.from({ length: DEVICES_PER_USER }, (_, d) => `device-${d}`).sort();
      await withTimeout(
        (async () => {
          while (!devices.flat().every((d) => latestDevices(d).join() === expected.join())) {
            await new Promise((r) => setTimeout(r, 50));
          }
        })(),
        15_000,
        'every device to see all devices of its user',
      );
      const connections = await Promise.all(nodes.map((n) => metricValue(n, /^kismet_connections\{/)));
      assert.equal(connections.reduce((a, b) => a + b, 0), USERS * DEVICES_PER_USER);
    });

    it('spreads actors over both nodes', () => {
      const perNode = new Map<string, number>();
      for (const userDevices of devices) {
        const node = userDevices[0]!.ready.node;
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
      }
      assert.equal(perNode.size, 2);
      // Joins arrive at both nodes at once, before either reports its room count: a node
      // settling ties the way the other does would put the whole burst on one node.
      // Splits measured on two cores ran from 99/101 to 100/100 in 13 runs, 5 of them with one core kept busy,
      // and 76/124 with the machine's load average near 9 (room counts then report late): a quarter is the floor.
      for (const [node, count] of perNode) assert.ok(count >= USERS / 4, `${node} holds ${count} of ${USERS} sessions`);
    });

    it('serves a device that joined through node A for an actor living on node B', async () => {
      // The SDK opens its socket at the public address of the node holding the actor.
      const actorPort = (device: Device) => new URL(device.room.connection.url ?? '').port;
      const crossNode = devices.flatMap((userDevices, u) =>
        userDevices.filter((device, d) => actorPort(device) !== String(nodes[entryNode(u, d)]!.port)),
      );
      assert.ok(crossNode.length > 0, 'some device must have joined through the node without its actor');
      for (const device of crossNode) assert.ok(nodes.some((n) => String(n.port) === actorPort(device)));
      const replies = await Promise.all(crossNode.slice(0, 100).map((d) => command(d.room, 'presence.set', { status: 'away' })));
      for (const reply of replies) assert.deepEqual('result' in reply && reply.result, { presence: 'away' });
    });
  });
});
