import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { connectDevice, disconnect, registerUser, waitUntil, type Device } from '../support/accounts';
import { metricValue, startTestCluster, type TestCluster } from '../support/cluster';
import { listedOwners } from '../support/redisListing';

const STALE_NODE_TIMEOUT_MS = 500;

describe('a node that dies without a word', function () {
  let cluster: TestCluster | undefined;
  let redis: Redis;
  const devices: Device[] = [];

  before(async function () {
    cluster = await startTestCluster(this, 2, { ACTOR_PLACEMENT: 'local', STALE_NODE_TIMEOUT_MS: String(STALE_NODE_TIMEOUT_MS) });
    if (cluster) redis = new Redis(cluster.env['REDIS_URL']!);
  });

  after(async () => {
    await Promise.all(devices.map(disconnect));
    redis?.disconnect();
    await cluster?.close();
  });

  const listedOn = () => listedOwners(redis);

  it('drops out of the shared listing by itself, and its users come back on a live node', async () => {
    const [doomed, survivor] = cluster!.nodes as [NodeHandle, NodeHandle];
    const users = await Promise.all([registerUser(survivor.url), registerUser(survivor.url)]);
    const before = await Promise.all(users.map((user) => connectDevice(doomed.url, user, 'phone')));
    devices.push(...before);
    const deadId = before[0]!.ready.node;
    assert.equal((await listedOn()).filter((id) => id === deadId).length, 2);

    await doomed.kill();
    // Nobody joins meanwhile: the live node's sweep alone clears the dead node's actors.
    // (A generous bound: this checks that it happens unprompted, not how fast.)
    await waitUntil(async () => !(await listedOn()).includes(deadId), 30_000, () => `the listing to drop ${deadId}`);
    const after = await Promise.all(users.map((user) => connectDevice(survivor.url, user, 'phone')));
    devices.push(...after);
    for (const device of after) assert.notEqual(device.ready.node, deadId);
  });

  it('drops out of the shared listing by itself when its lease outlives the first health check that gives up on it', async () => {
    const survivor = cluster!.nodes[1]!;
    // Its lease lives 1½ s (STALE_NODE_TIMEOUT_MS 1 s): longer than the survivor's first health check of it takes to
    // give up (a timeout of ½ s, after up to one sweep period), shorter than the survivor then waits for it to lapse.
    const doomed = await startNodeProcess({ ...cluster!.env, STALE_NODE_TIMEOUT_MS: String(2 * STALE_NODE_TIMEOUT_MS) });
    cluster!.nodes.push(doomed);
    const user = await registerUser(survivor.url);
    const phone = await connectDevice(doomed.url, user, 'phone');
    devices.push(phone);
    const deadId = phone.ready.node;
    assert.ok((await listedOn()).includes(deadId));

    await doomed.kill();
    await waitUntil(async () => !(await listedOn()).includes(deadId), 30_000, () => `the listing to drop ${deadId}`);
    const again = await connectDevice(survivor.url, user, 'phone');
    devices.push(again);
    assert.notEqual(again.ready.node, deadId);
  });
});

describe('a join to an actor of a node that died', function () {
  let cluster: TestCluster | undefined;
  const devices: Device[] = [];

  before(async function () {
    // The default timeout (2 s): the cluster's own sweep needs a health check that long before it can remove
    // anything, so the join, sent at once, is the one that finds the node silent and waits out its lease.
    cluster = await startTestCluster(this, 2, { ACTOR_PLACEMENT: 'local' });
  });

  after(async () => {
    await Promise.all(devices.map(disconnect));
    await cluster?.close();
  });

  it('is served by that one join, on a live node, once the dead node’s lease lapsed', async () => {
    const [doomed, survivor] = cluster!.nodes as [NodeHandle, NodeHandle];
    const user = await registerUser(survivor.url);
    const before = await connectDevice(doomed.url, user, 'phone');
    devices.push(before);
    const sweptBefore = await metricValue(survivor, /^kismet_silent_node_sweeps_total/);
    await doomed.kill();
    const after = await connectDevice(survivor.url, user, 'phone');
    devices.push(after);
    assert.notEqual(after.ready.node, before.ready.node);
    assert.equal((await metricValue(survivor, /^kismet_silent_node_sweeps_total/)) - sweptBefore, 1);
  });
});
