import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TokenPair } from '../../contracts/auth';
import { postJson, registerUser, requestJson, waitUntil, type HttpResult } from '../support/accounts';
import { useTestCluster, type SuiteCluster } from '../support/cluster';

type Answer = HttpResult<TokenPair & { code?: string }>;
const codeOf = (answer: { status: number; body: unknown }) => [answer.status, (answer.body as { code?: string }).code] as const;
const refresh = (url: string, refreshToken: string): Promise<Answer> => postJson(url, '/auth/refresh', { refreshToken });
/** What an access token opens: 200, or the refusal's code. */
const opens = async (url: string, accessToken: string) => codeOf(await requestJson(url, 'GET', '/me/cards', { token: accessToken }));
/** The log-in session an access token names. */
const sessionOf = (accessToken: string): string => JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()).sid;
const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('base64url');

/** The hashes of an account's refresh tokens that are neither spent nor revoked. */
async function liveTokens(suite: SuiteCluster, userId: string): Promise<string[]> {
  const live = await suite.cluster.pool.query('select token_hash from refresh_tokens where user_id = $1 and used_at is null and revoked_at is null', [userId]);
  return live.rows.map((row: { token_hash: string }) => row.token_hash);
}

/**
 * Sends each request once the one before waits on a lock, while the test holds the row of the
 * account's live refresh token, then lets them all on: they meet as two answers that cross do,
 * whatever the machine's speed.
 */
async function whileTokenHeld<T>(suite: SuiteCluster, userId: string, requests: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const waiting = async () =>
    Number((await suite.cluster.pool.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0].n);
  const holder = await suite.cluster.pool.connect();
  const answers: Array<Promise<T>> = [];
  try {
    await holder.query('begin');
    const held = await holder.query('select id from refresh_tokens where user_id = $1 and used_at is null and revoked_at is null for update', [userId]);
    assert.equal(held.rowCount, 1);
    for (const request of requests) {
      answers.push(request());
      await waitUntil(async () => (await waiting()) >= answers.length, 20_000, () => `${answers.length} requests waiting on a lock`);
    }
  } finally {
    await holder.query('rollback');
    holder.release();
  }
  return Promise.all(answers);
}

describe('security: a refresh retried after its answer was lost', function () {
  // A grace longer than the default, so a loaded machine's slow steps stay within it.
  const suite = useTestCluster(2, { REFRESH_REUSE_GRACE_MS: '120000' });

  it('gets a new pair in the same session for the spent token, and the successor whose answer was lost is refused', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    // The server rotates, the answer never reaches the phone.
    const lost = await refresh(n0.url, user.refreshToken);
    assert.equal(lost.status, 200);

    const retried = await refresh(n1.url, user.refreshToken);
    assert.deepEqual(codeOf(retried), [200, undefined], 'the retry with the spent token');
    assert.notEqual(retried.body.refreshToken, lost.body.refreshToken);
    assert.equal(sessionOf(retried.body.accessToken), sessionOf(user.accessToken), 'the same log-in session');
    assert.deepEqual(await liveTokens(suite, user.userId), [hashOf(retried.body.refreshToken)], 'one live refresh token: the retry’s');
    assert.deepEqual(await opens(n0.url, retried.body.accessToken), [200, undefined]);
    const next = await refresh(n0.url, retried.body.refreshToken);
    assert.deepEqual(codeOf(next), [200, undefined], 'the new refresh token works');
    assert.deepEqual(await opens(n1.url, next.body.accessToken), [200, undefined]);

    // Whoever presents the lost one holds the answer the phone never got: the session goes.
    assert.deepEqual(codeOf(await refresh(n1.url, lost.body.refreshToken)), [401, 'REFRESH_TOKEN_REUSED']);
    assert.deepEqual(await opens(n0.url, next.body.accessToken), [401, 'TOKEN_REVOKED']);
    assert.deepEqual(await liveTokens(suite, user.userId), []);
  });

  it('takes a spent token presented again once its successor was used for reuse: the session is revoked', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    assert.equal((await refresh(n0.url, user.refreshToken)).status, 200, 'the answer lost');
    const retried = await refresh(n1.url, user.refreshToken);
    assert.deepEqual(codeOf(retried), [200, undefined]);
    const next = await refresh(n0.url, retried.body.refreshToken);
    assert.deepEqual(codeOf(next), [200, undefined], 'the chain moves on');

    assert.deepEqual(codeOf(await refresh(n1.url, user.refreshToken)), [401, 'REFRESH_TOKEN_REUSED'], 'the spent token a third time');
    assert.deepEqual(await opens(n0.url, next.body.accessToken), [401, 'TOKEN_REVOKED']);
    assert.deepEqual(await opens(n1.url, retried.body.accessToken), [401, 'TOKEN_REVOKED']);
    assert.deepEqual(codeOf(await refresh(n0.url, next.body.refreshToken)), [401, 'REFRESH_TOKEN_REUSED']);
  });

  it('leaves one live pair when two retries of the same spent token arrive together', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    assert.equal((await refresh(n0.url, user.refreshToken)).status, 200, 'the answer lost');
    const answers = await whileTokenHeld(suite, user.userId, [() => refresh(n0.url, user.refreshToken), () => refresh(n1.url, user.refreshToken)]);

    const live = await liveTokens(suite, user.userId);
    const pairs = answers.filter((a) => a.status === 200).map((a) => a.body);
    const alive = pairs.filter((pair) => live.includes(hashOf(pair.refreshToken)));
    assert.equal(live.length, 1, 'one live refresh token in the session');
    assert.equal(alive.length, 1, 'one of the pairs answered is live: the device stays logged in');
    for (const pair of pairs.filter((p) => !alive.includes(p))) {
      assert.deepEqual(codeOf(await refresh(n0.url, pair.refreshToken)), [401, 'REFRESH_TOKEN_REUSED'], 'the other pair is refused');
    }
  });

  it('revokes the session when a retry of the spent token meets a use of its successor', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    // The successor did arrive (here, or in someone else's hands) and is used as the spent token comes back.
    const successor = await refresh(n0.url, user.refreshToken);
    assert.equal(successor.status, 200);
    const [used, retried] = await whileTokenHeld(suite, user.userId, [
      () => refresh(n1.url, successor.body.refreshToken),
      () => refresh(n0.url, user.refreshToken),
    ]);
    assert.deepEqual(codeOf(used!), [200, undefined], 'the successor’s use, first');
    assert.deepEqual(codeOf(retried!), [401, 'REFRESH_TOKEN_REUSED'], 'the retry, the chain having moved on');
    assert.deepEqual(await liveTokens(suite, user.userId), [], 'the session is revoked');
  });
});

describe('security: a refresh retried with no reuse grace', function () {
  const suite = useTestCluster(1, { REFRESH_REUSE_GRACE_MS: '0' });

  it('takes the retry of a rotation whose answer was lost for reuse, as a copy: the session is revoked', async () => {
    const [n0] = suite.nodes;
    const user = await registerUser(n0.url);
    const lost = await refresh(n0.url, user.refreshToken);
    assert.equal(lost.status, 200);
    assert.deepEqual(codeOf(await refresh(n0.url, user.refreshToken)), [401, 'REFRESH_TOKEN_REUSED']);
    assert.deepEqual(await opens(n0.url, lost.body.accessToken), [401, 'TOKEN_REVOKED']);
    assert.deepEqual(codeOf(await refresh(n0.url, lost.body.refreshToken)), [401, 'REFRESH_TOKEN_REUSED']);
  });
});
