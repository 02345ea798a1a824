import assert from 'node:assert/strict';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { connectDevice, registerUser } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';

const DEVICES = 12;

/** Session actors the cluster's nodes created and threw away before listing them, by their counters. */
async function discardedSessions(nodes: readonly NodeHandle[]): Promise<number> {
  const counts = await Promise.all(nodes.map((node) => metricValue(node, /^kismet_actor_creations_discarded_total\{kind="session"/)));
  for (const count of counts) assert.ok(Number.isFinite(count), 'every node exposes the counter');
  return counts.reduce((a, b) => a + b, 0);
}

describe('joins of one identity that arrive together', function () {
  const suite = useTestCluster(2);

  it('through one node: that node creates the actor once, and every device is in it', async () => {
    const nodes = suite.nodes;
    const before = await discardedSessions(nodes);
    const user = await registerUser(nodes[0].url);
    const devices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => connectDevice(nodes[0].url, user, `device-${i}`)));
    suite.open.push(...devices);
    assert.deepEqual([...new Set(devices.map((d) => d.room.roomId))], [`session_${user.userId}`]);
    assert.equal(new Set(devices.map((d) => d.ready.node)).size, 1);
    assert.equal((await discardedSessions(nodes)) - before, 0, 'no copy of the actor was created and thrown away');
  });

  it('through both nodes: at most the other node’s copy is thrown away, and every device is in the one actor', async () => {
    const nodes = suite.nodes;
    const before = await discardedSessions(nodes);
    const user = await registerUser(nodes[1].url);
    const devices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => connectDevice(nodes[i % 2]!.url, user, `device-${i}`)));
    suite.open.push(...devices);
    assert.deepEqual([...new Set(devices.map((d) => d.room.roomId))], [`session_${user.userId}`]);
    assert.equal(new Set(devices.map((d) => d.ready.node)).size, 1);
    assert.ok((await discardedSessions(nodes)) - before <= 1, 'one creation per node at most');
  });
});
