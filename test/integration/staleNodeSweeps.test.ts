import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { listedKey } from '../../server/cluster/listingScripts';
import { connectDevice, disconnect, registerUser, waitUntil, type Device } from '../support/accounts';
import { NO_SHEDDING } from '../support/limits';
import { privateServicesOrSkip, startPrivateRedis, type PrivateRedis } from '../support/privateServices';
import { commandCalls, listedOwners } from '../support/redisListing';
import { RedisMonitor } from '../support/redisMonitor';
import { createScratchDatabase, servicesOrSkip } from '../support/services';

const STALE_NODE_TIMEOUT_MS = 300;

/**
 * Every node sweeps the cluster for dead nodes every STALE_NODE_TIMEOUT_MS, and
 * checks the nodes Colyseus counts as it starts. On a Redis of its own (its
 * command counts are this test's alone): neither asks for every channel Redis
 * holds, only about the nodes' own channels, and the sweeps still clear a node
 * killed without a word.
 */
describe('the stale node sweeps of a cluster', function () {
  let privateRedis: PrivateRedis | undefined;
  let redis: Redis;
  let database: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let env: Record<string, string>;
  const nodes: NodeHandle[] = [];
  const devices: Device[] = [];

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true });
    const binaries = privateServicesOrSkip(this);
    if (!services || !binaries) return;
    privateRedis = await startPrivateRedis(binaries.redisServer);
    redis = new Redis(privateRedis.url);
    database = await createScratchDatabase(services.databaseUrl);
    env = { DATABASE_URL: database.url, REDIS_URL: privateRedis.url, ACTOR_PLACEMENT: 'local', STALE_NODE_TIMEOUT_MS: String(STALE_NODE_TIMEOUT_MS), ...NO_SHEDDING };
    for (let i = 0; i < 2; i++) nodes.push(await startNodeProcess(env));
  });

  after(async () => {
    await Promise.all(devices.map(disconnect));
    await Promise.all(nodes.map((node) => node.stop()));
    redis?.disconnect();
    await privateRedis?.destroy();
    await database?.drop();
  });

  it('ask Redis about the other nodes’ channels, never for every channel it holds, and clear a node that died', async () => {
    const [doomed, survivor] = nodes as [NodeHandle, NodeHandle];
    const users = await Promise.all([registerUser(survivor.url), registerUser(survivor.url), registerUser(survivor.url)]);
    // Sessions, each with channels of its own, on both nodes.
    devices.push(...(await Promise.all(users.map((user, i) => connectDevice((i === 0 ? survivor : doomed).url, user, 'phone')))));
    const deadId = devices[1]!.ready.node;

    // Nor did either node's start (Colyseus checks the nodes it counts as a node starts).
    const atStart = await commandCalls(redis);
    assert.equal(atStart('pubsub|channels'), 0, 'a node’s start walked every channel Redis holds (PUBSUB CHANNELS)');
    // Two live nodes each ask about the other once a sweep, one way or the other: wait for several sweeps of each.
    const asked = (calls: (command: string) => number) => calls('pubsub|numsub') + calls('pubsub|channels');
    await waitUntil(async () => asked(await commandCalls(redis)) >= asked(atStart) + 6, 30_000, () => 'six more sweeps');
    const afterSweeps = await commandCalls(redis);
    assert.equal(afterSweeps('pubsub|channels'), atStart('pubsub|channels'), 'a sweep walked every channel Redis holds (PUBSUB CHANNELS)');

    await doomed.kill();
    // Nobody joins meanwhile: the survivor's sweeps alone clear the dead node's actors.
    await waitUntil(async () => !(await listedOwners(redis)).includes(deadId), 30_000, () => `the listing to drop ${deadId}`);
    await waitUntil(async () => (await redis.exists(listedKey(deadId))) === 0, 30_000, () => `the index of ${deadId} to go`);
    const again = await connectDevice(survivor.url, users[1]!, 'phone');
    devices.push(again);
    assert.notEqual(again.ready.node, deadId);
    assert.equal((await commandCalls(redis))('pubsub|channels'), atStart('pubsub|channels'), 'a sweep walked every channel Redis holds (PUBSUB CHANNELS)');

    // A node that stops leaves no index behind.
    const survivorId = again.ready.node;
    assert.equal(await redis.exists(listedKey(survivorId)), 1);
    await Promise.all(devices.map(disconnect));
    await survivor.stop();
    assert.equal(await redis.exists(listedKey(survivorId)), 0, 'a stopped node left its listing index');
  });

  it('a node started just after another was killed does not wait to ask it: it counts it no more and its actors go once its lease lapses', async () => {
    const doomed = await startNodeProcess(env);
    nodes.push(doomed);
    const device = await connectDevice(doomed.url, await registerUser(doomed.url), 'phone');
    devices.push(device);
    const deadId = device.ready.node;
    assert.ok((await redis.hkeys('roomcount')).includes(deadId), 'the node was never counted');
    await doomed.kill();
    // Nobody else runs: whatever asks the dead node's channel now is the new node's start.
    const monitor = await RedisMonitor.start(privateRedis!.url);
    try {
      const next = await startNodeProcess(env);
      nodes.push(next);
      const asked = monitor.commands.filter(([name, channel]) => name === 'publish' && channel === `p:${deadId}`);
      assert.deepEqual(asked, [], 'the new node asked the dead one (and waited for its answer) before it was ready');
      assert.ok(!(await redis.hkeys('roomcount')).includes(deadId), 'the dead node is still counted');
      await waitUntil(async () => !(await listedOwners(redis)).includes(deadId), 30_000, () => `the listing to drop ${deadId}`);
    } finally {
      monitor.stop();
    }
  });
});
