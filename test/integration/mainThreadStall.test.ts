import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { command, connectDevice, disconnect, registerUser, waitUntil, type Device } from '../support/accounts';
import { metricValue, startTestCluster, type TestCluster } from '../support/cluster';
import { INSPECTABLE, MainThreadStall } from '../support/mainThreadStall';

const ADMIN_KEY = 'stall-test-operator-key-0123456789abcdef';
/** STALE_NODE_TIMEOUT_MS here: a node fences after 1¼ s without Redis, its lease lives 1½ s, its main thread is ended when stuck for 10 s (5 timeouts, and 10 s at least). */
const STALE_NODE_TIMEOUT_MS = 1_000;
const LEASE_LIFETIME_MS = 1_500;

async function nodeIdOf(node: NodeHandle): Promise<string> {
  const view = (await (await fetch(`${node.url}/admin/node`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { nodeId: string };
  return view.nodeId;
}

/** A device's session, and the close code it was left with (undefined while open). */
function watchClose(device: Device): { code: number | undefined } {
  const seen: { code: number | undefined } = { code: undefined };
  device.room.onLeave((code) => (seen.code = code));
  return seen;
}

async function fences(node: NodeHandle): Promise<number> {
  const count = await metricValue(node, /^kismet_fences_total[{ ]/);
  assert.ok(Number.isFinite(count), 'no kismet_fences_total on /metrics');
  return count;
}

/**
 * A node whose main thread is busy for seconds (a collector working through the garbage of
 * thousands of clients leaving at once) is slow, not cut off: its lease is renewed from a
 * thread of its own, so it keeps its actors and clients. Stuck past its stall limit, it
 * is ended by that thread, and its users are served by the other node while it never
 * turns again.
 */
describe('a node whose main thread stalls, on two nodes', function () {
  this.timeout(180_000);
  let cluster: TestCluster | undefined;
  let redis: Redis | undefined;
  let stalling: NodeHandle;
  let other: NodeHandle;
  const open: Device[] = [];

  before(async function () {
    cluster = await startTestCluster(this, 1, { STALE_NODE_TIMEOUT_MS: String(STALE_NODE_TIMEOUT_MS), ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });
    if (!cluster) return;
    other = cluster.nodes[0]!;
    stalling = await startNodeProcess(cluster.env, { execArgv: INSPECTABLE });
    cluster.nodes.push(stalling);
    redis = new Redis(cluster.env['REDIS_URL']!);
  });

  /** A user's session on the node about to stall, watched for its close, and that node's fences so far. */
  async function sessionOnStallingNode() {
    const stallingId = await nodeIdOf(stalling);
    const user = await registerUser(stalling.url);
    const phone = await connectDevice(stalling.url, user, 'phone');
    open.push(phone);
    assert.equal(phone.ready.node, stallingId);
    return { stallingId, user, phone, closed: watchClose(phone), fencesBefore: await fences(stalling) };
  }

  after(async () => {
    await Promise.all(open.map(disconnect));
    redis?.disconnect();
    await cluster?.close();
  });

  it('keeps its lease, its actors and its clients through a stall longer than its fence time', async () => {
    const { stallingId, user, phone, closed, fencesBefore } = await sessionOnStallingNode();

    const stall = await MainThreadStall.begin(stalling);
    let lowestTtl = Number.POSITIVE_INFINITY;
    try {
      // Two lease lifetimes: a lease renewed from the main thread alone would have run out.
      await waitUntil(
        async () => {
          lowestTtl = Math.min(lowestTtl, await redis!.pttl(`kismet:lease:${stallingId}`));
          return Date.now() - stall.startedAt > 2 * LEASE_LIFETIME_MS;
        },
        30_000,
        () => 'two lease lifetimes of stall',
      );
    } finally {
      await stall.release();
    }
    assert.ok(lowestTtl > 0, `the lease ran out during the stall (PTTL ${lowestTtl})`);

    // It turns again and goes on serving the same connection, unfenced.
    const answer = await command(phone.room, 'heartbeat');
    assert.ok('ok' in answer && answer.ok, JSON.stringify(answer));
    assert.equal(closed.code, undefined);
    assert.equal(await fences(stalling), fencesBefore);
    // And its actor is still the user's one: a device joining through the other node reaches it.
    const tablet = await connectDevice(other.url, user, 'tablet');
    open.push(tablet);
    assert.equal(tablet.ready.node, stallingId);
    assert.equal(tablet.room.roomId, phone.room.roomId);
  });

  it('ends its process when stuck past its stall limit, and the other node serves its users', async () => {
    const { stallingId, user, phone } = await sessionOnStallingNode();
    const otherId = await nodeIdOf(other);

    // Never released: the main thread would spin for good.
    const stall = await MainThreadStall.begin(stalling);
    try {
      await waitUntil(() => stalling.child.exitCode !== null || stalling.child.signalCode !== null, 60_000, () => 'the stuck node to end');
    } finally {
      stall.abandon();
    }
    assert.equal(stalling.child.signalCode, 'SIGKILL');
    const ending = stalling.output().split('\n').find((line) => line.includes('the main thread is stuck: ending this node'));
    assert.ok(ending, `no fatal line in the stuck node's log:\n${stalling.output().slice(-4000)}`);
    assert.equal((JSON.parse(ending) as { level: number }).level, 60);
    // Its connection dropped with the process (the SDK tries it again on its own).
    await waitUntil(() => !phone.room.connection.isOpen, 30_000, () => 'the stuck node’s client to see its connection drop');

    // Its user is served again, by the other node: the stuck one's actor was taken as a dead node's.
    let again: Device | undefined;
    await waitUntil(async () => (again = await connectDevice(other.url, user, 'phone').catch(() => undefined)) !== undefined, 60_000, () => 'the session served again');
    open.push(again!);
    assert.equal(again!.ready.node, otherId);
    assert.notEqual(again!.ready.node, stallingId);
    const answer = await command(again!.room, 'heartbeat');
    assert.ok('ok' in answer && answer.ok, JSON.stringify(answer));
  });
});
