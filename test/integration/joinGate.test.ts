import assert from 'node:assert/strict';
import { DEFAULT_ACCESS_TOKEN_TTL_S } from '../../server/config';
import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import { seedUsers } from '../../loadtest/harness/seed';
import { metricValue, useTestCluster } from '../support/cluster';

const JOINS = 600;

/**
 * A node that receives more joins than it works on at once (JOIN_CONCURRENCY)
 * serves them in turn and refuses those that waited half of
 * DEPENDENCY_TIMEOUT_MS, with a code and a time to come back, instead of letting
 * every one of them run late.
 */
describe('joins beyond what a node works on at once', function () {
  // One join at a time, and a turn waited for at most 500 ms: 600 session joins at once cannot all get one.
  const suite = useTestCluster(1, { JOIN_CONCURRENCY: '1', DEPENDENCY_TIMEOUT_MS: '1000' });

  it('are served in turn or refused UNAVAILABLE with retryAfterMs, and counted', async () => {
    const [node] = suite.nodes;
    const users = await seedUsers(JOINS, { databaseUrl: suite.cluster.env['DATABASE_URL']!, nodeUrl: node.url, jwtSecret: HARNESS_JWT_SECRET, tokenTtlS: DEFAULT_ACCESS_TOKEN_TTL_S });
    const shedBefore = (await metricValue(node, /^kismet_shed_total\{[^}]*traffic="join"/)) || 0;
    const answers = await Promise.all(
      users.map(async (user) => {
        const response = await fetch(`${node.url}/matchmake/joinOrCreate/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
          body: JSON.stringify({ userId: user.userId, deviceId: 'gate' }),
        });
        return { status: response.status, body: (await response.json()) as { code?: string; message?: string; retryAfterMs?: number; roomId?: string } };
      }),
    );
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    assert.ok(served.length > 0, 'some joins were served');
    for (const answer of served) assert.match(answer.body.roomId ?? '', /^session_/);
    // Whatever refused a join (the gate, or a dependency the crowd made late), the answer says when to come back.
    for (const answer of refused) {
      assert.equal(answer.status, 503, JSON.stringify(answer));
      assert.equal(answer.body.code, 'UNAVAILABLE');
      assert.ok((answer.body.retryAfterMs ?? 0) >= 500, JSON.stringify(answer));
    }
    const turnedAway = refused.filter((a) => /more joins than it can serve/.test(a.body.message ?? '')).length;
    assert.ok(turnedAway > 0, 'the gate turned joins away');
    assert.equal((await metricValue(node, /^kismet_shed_total\{[^}]*traffic="join"/)) - shedBefore, turnedAway);
  });
});
