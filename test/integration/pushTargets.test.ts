import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { savePushTarget } from '../../db/repositories/pushTargetRepository';
import type { PushTarget } from '../../domain/push/notification';
import { registerUser } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { useClusterDatabase } from '../support/clusterDatabase';

/**
 * A person keeps a bounded number of push devices, those registered last
 * (push.test.ts shows it through the routes); the one registered now is kept
 * even when its node's clock is behind the others'.
 */
describe('the push devices a person keeps', function () {
  const suite = useTestCluster(1);
  const database = useClusterDatabase(suite, 1);
  const target = (token: string): PushTarget => ({ platform: 'fcm', token });
  const devicesOf = async (userId: string): Promise<string[]> =>
    (await suite.cluster.pool.query('select device_id from push_targets where user_id = $1 order by device_id', [userId])).rows.map((r: { device_id: string }) => r.device_id);

  it('keeps the one registered now, whatever its node’s clock says, and lets the oldest of the others go', async () => {
    const { userId } = await registerUser(suite.nodes[0].url);
    const save = (deviceId: string, at: number, kept = 3) => savePushTarget(database.db, { userId, deviceId, target: target(deviceId), sessionId: randomUUID(), at: new Date(at) }, kept);
    const now = Date.now();
    assert.deepEqual([await save('a', now - 3000), await save('b', now - 2000), await save('c', now - 1000)], [[], [], []]);
    // From a node a few seconds behind: older than every other, and still the one kept.
    assert.deepEqual(await save('d', now - 9000), ['a']);
    assert.deepEqual(await devicesOf(userId), ['b', 'c', 'd']);
    // The same device again replaces its own target and lets nobody go.
    assert.deepEqual(await save('d', now), []);
    assert.deepEqual(await devicesOf(userId), ['b', 'c', 'd']);
  });
});
