import assert from 'node:assert/strict';
import { DEFAULT_ACCESS_TOKEN_TTL_S } from '../../server/config';
import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import { seedUsers } from '../../loadtest/harness/seed';
import { waitUntil } from '../support/accounts';
import { liveActors, metricValue, useTestCluster } from '../support/cluster';

const JOINS = 600;

interface JoinAnswer {
  readonly status: number;
  readonly body: { code?: string; message?: string; retryAfterMs?: number; roomId?: string };
}

type Suite = ReturnType<typeof useTestCluster>;

const newUsers = (suite: Suite, count: number) =>
  seedUsers(count, { databaseUrl: suite.cluster.env['DATABASE_URL']!, nodeUrl: suite.nodes[0].url, jwtSecret: HARNESS_JWT_SECRET, tokenTtlS: DEFAULT_ACCESS_TOKEN_TTL_S });

async function join(suite: Suite, user: { userId: string; accessToken: string }, signal?: AbortSignal): Promise<JoinAnswer> {
  const response = await fetch(`${suite.nodes[0].url}/matchmake/joinOrCreate/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
    body: JSON.stringify({ userId: user.userId, deviceId: 'gate' }),
    ...(signal ? { signal } : {}),
  });
  return { status: response.status, body: (await response.json()) as JoinAnswer['body'] };
}

const shedJoins = async (node: { readonly url: string }) => (await metricValue(node, /^kismet_shed_total\{[^}]*traffic="join"/)) || 0;

/** JOINS new users' session joins sent to the node at once: their answers, and how many of them the node counted as shed. */
async function joinAllAtOnce(suite: Suite): Promise<{ answers: JoinAnswer[]; shed: number }> {
  const users = await newUsers(suite, JOINS);
  const shedBefore = await shedJoins(suite.nodes[0]);
  const answers = await Promise.all(users.map((user) => join(suite, user)));
  return { answers, shed: (await shedJoins(suite.nodes[0])) - shedBefore };
}

/**
 * A node that receives more joins than it works on at once (JOIN_CONCURRENCY)
 * serves them in turn and refuses those that waited JOIN_WAIT_MS, with a code
 * and a time to come back, instead of letting every one of them run late.
 */
describe('joins beyond what a node works on at once', function () {
  // One join at a time, and a turn waited for at most 500 ms: 600 session joins at once cannot all get one.
  const suite = useTestCluster(1, { JOIN_CONCURRENCY: '1', JOIN_WAIT_MS: '500', DEPENDENCY_TIMEOUT_MS: '1000' });

  it('are served in turn or refused UNAVAILABLE with retryAfterMs, and counted', async () => {
    const { answers, shed } = await joinAllAtOnce(suite);
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
    assert.equal(shed, turnedAway);
  });
});

/**
 * The same crowd, on a node whose joins may wait long for their turn (as
 * JOIN_WAIT_MS allows by default): the wait does not count against a join's own
 * DEPENDENCY_TIMEOUT_MS, which starts with its turn, so all are served in turn,
 * though serving them one by one takes longer than both the suite above's wait
 * and one DEPENDENCY_TIMEOUT_MS.
 */
describe('joins that may wait long for their turn', function () {
  const suite = useTestCluster(1, { JOIN_CONCURRENCY: '1', JOIN_WAIT_MS: '60000', DEPENDENCY_TIMEOUT_MS: '1000' });

  it('are all served, none refused', async () => {
    const { answers, shed } = await joinAllAtOnce(suite);
    const refused = answers.filter((a) => a.status !== 200);
    assert.deepEqual(refused, [], 'every join was served');
    for (const answer of answers) assert.match(answer.body.roomId ?? '', /^session_/);
    assert.equal(shed, 0);
  });
});

/** A device that gives up on a join still waiting for its turn (its app closed, its request timed out). */
describe('joins whose caller left while they waited', function () {
  const suite = useTestCluster(1, { JOIN_CONCURRENCY: '1', JOIN_WAIT_MS: '60000', DEPENDENCY_TIMEOUT_MS: '1000' });
  const KEPT = 100;
  const LEFT = 200;

  it('take no seat and create no actor when their turn comes', async () => {
    const [node] = suite.nodes;
    const users = await newUsers(suite, KEPT + LEFT + 1);
    const sessions = () => liveActors([node], 'session');
    assert.equal(await sessions(), 0);
    // Every request reaches the node's queue at once; the last LEFT are then given up while the first ones are served.
    const leaving = new AbortController();
    let answered = 0;
    const kept = users.slice(0, KEPT).map((user) => join(suite, user).finally(() => (answered += 1)));
    const left = users.slice(KEPT, KEPT + LEFT).map((user) =>
      join(suite, user, leaving.signal).then(
        () => 'served' as const,
        () => 'left' as const,
      ),
    );
    await waitUntil(() => answered >= 10, 30_000, () => 'the first joins served');
    leaving.abort();
    const keptAnswers = await Promise.all(kept);
    assert.deepEqual(keptAnswers.filter((a) => a.status !== 200), [], 'the joins still wanted were served');
    const servedBeforeLeaving = (await Promise.all(left)).filter((outcome) => outcome === 'served').length;
    assert.ok(servedBeforeLeaving < LEFT / 2, `most of the given-up joins were still waiting (${servedBeforeLeaving} of ${LEFT} served first)`);
    // A join sent now is the last in the queue: once it is answered, every given-up join had its turn.
    assert.equal((await join(suite, users[KEPT + LEFT]!)).status, 200);
    const created = await sessions();
    // Served joins made an actor each; of the given-up ones at most the one in progress as its caller left did.
    const expected = KEPT + servedBeforeLeaving + 1;
    assert.ok(created >= expected && created <= expected + 1, `${created} session actors for ${expected} joins served`);
  });
});
