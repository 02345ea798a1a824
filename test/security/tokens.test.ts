import assert from 'node:assert/strict';
import { DEFAULT_ACCESS_TOKEN_TTL_S } from '../../server/config';
import type { TokenPair } from '../../contracts/auth';
import { LOGIN_RULES } from '../../domain/rateLimits';
import { connectDevice, expectJoinRefused, postJson, registerUser, requestJson, TEST_PASSWORD, waitUntil } from '../support/accounts';
import { postWebhook, signedWebhook } from '../support/calls';
import { useTestCluster } from '../support/cluster';
import { tokenAt } from '../support/forgedTokens';
import { ADMIN_KEY } from '../support/operator';
import { stalledNode } from '../support/stalledNode';

const codeOf = (answer: { status: number; body: unknown }) => [answer.status, (answer.body as { code?: string }).code] as const;

describe('security: tokens', function () {
  const suite = useTestCluster(2, { ADMIN_API_KEY: ADMIN_KEY });

  /** Whether an access token still opens an HTTP route and a session, on the node at `url`. */
  const refusal = async (url: string, user: { userId: string; accessToken: string }) => ({
    http: codeOf(await requestJson(url, 'GET', '/me/cards', { token: user.accessToken })),
    join: await expectJoinRefused(connectDevice(url, user, 'phone')).catch(() => 'joined'),
  });

  it('stops a session’s access tokens on every node at once when it logs out or its refresh token is reused, and all of a banned account’s', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    assert.deepEqual(codeOf(await requestJson(n1.url, 'GET', '/me/cards', { token: user.accessToken })), [200, undefined], 'works before');

    // Log-out on one node: the other refuses the session's token, and another session of the same user goes on.
    const other = await postJson<TokenPair>(n1.url, '/auth/login', { email: user.email, password: TEST_PASSWORD });
    assert.equal((await postJson(n0.url, '/auth/logout', { refreshToken: user.refreshToken })).status, 200);
    assert.deepEqual(await refusal(n1.url, user), { http: [401, 'TOKEN_REVOKED'], join: 'TOKEN_REVOKED' });
    assert.deepEqual(codeOf(await requestJson(n1.url, 'GET', '/me/cards', { token: other.body.accessToken })), [200, undefined], 'the other session');

    // A refresh token used twice, its successor used since (no lost answer): its session's newest access token stops too.
    const rotated = await postJson<TokenPair>(n1.url, '/auth/refresh', { refreshToken: other.body.refreshToken });
    assert.equal(rotated.status, 200);
    const newest = await postJson<TokenPair>(n1.url, '/auth/refresh', { refreshToken: rotated.body.refreshToken });
    assert.equal(newest.status, 200);
    assert.deepEqual(codeOf(await postJson(n0.url, '/auth/refresh', { refreshToken: other.body.refreshToken })), [401, 'REFRESH_TOKEN_REUSED']);
    assert.deepEqual(await refusal(n1.url, { userId: user.userId, accessToken: newest.body.accessToken }), { http: [401, 'TOKEN_REVOKED'], join: 'TOKEN_REVOKED' });

    // A ban: every token of the account, on the other node too.
    const banned = await registerUser(n1.url);
    assert.equal((await requestJson(n0.url, 'POST', `/admin/users/${banned.userId}`, { token: ADMIN_KEY, body: { banned: true } })).status, 200);
    assert.deepEqual(await refusal(n1.url, banned), { http: [403, 'ACCOUNT_BANNED'], join: 'ACCOUNT_BANNED' });
  });

  it('answers a log-out only once every node that heard of it refuses the token', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    // A node that hears the revocation and answers only when the test says (a stalled node).
    let answer: { readonly status: number } | undefined;
    const stalled = await stalledNode(suite.cluster.env['REDIS_URL']!, 'kismet:revocations:all', () => answer !== undefined);
    try {
      const loggingOut = postJson(n0.url, '/auth/logout', { refreshToken: user.refreshToken }).then((a) => (answer = a));
      await waitUntil(() => stalled.heard.length === 1, 10_000, () => 'the revocation at the stalled node');
      assert.equal(stalled.heard[0]!.answered, false, 'not answered while a node that heard it has not applied it');
      await stalled.answer(0);
      assert.equal((await loggingOut).status, 200);
      assert.deepEqual(codeOf(await requestJson(n1.url, 'GET', '/me/cards', { token: user.accessToken })), [401, 'TOKEN_REVOKED']);
    } finally {
      stalled.close();
    }
  });

  it('refuses a token issued in the future, or longer ago than a token lives, even when its expiry says otherwise', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    const nowS = Math.floor(Date.now() / 1000);
    const future = await tokenAt(user.userId, nowS + 3600, nowS + 3600 + DEFAULT_ACCESS_TOKEN_TTL_S);
    const ancient = await tokenAt(user.userId, nowS - 2 * DEFAULT_ACCESS_TOKEN_TTL_S, nowS + 600);
    const fresh = await tokenAt(user.userId, nowS, nowS + DEFAULT_ACCESS_TOKEN_TTL_S);
    assert.deepEqual(await refusal(n1.url, { userId: user.userId, accessToken: future }), { http: [401, 'TOKEN_INVALID'], join: 'TOKEN_INVALID' });
    assert.deepEqual(await refusal(n1.url, { userId: user.userId, accessToken: ancient }), { http: [401, 'TOKEN_EXPIRED'], join: 'TOKEN_EXPIRED' });
    assert.deepEqual(codeOf(await requestJson(n1.url, 'GET', '/me/cards', { token: fresh })), [200, undefined], 'the same token dated now');
  });

  it('refuses a token of the nodes’ own secret that lacks its issuer, its audience or its log-in session', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    const nowS = Math.floor(Date.now() / 1000);
    for (const without of [['iss'], ['aud'], ['iss', 'aud'], ['sid']] as const) {
      const token = await tokenAt(user.userId, nowS, nowS + DEFAULT_ACCESS_TOKEN_TTL_S, without);
      assert.deepEqual(await refusal(n1.url, { userId: user.userId, accessToken: token }), { http: [401, 'TOKEN_INVALID'], join: 'TOKEN_INVALID' }, `without ${without.join(' and ')}`);
    }
    const whole = await tokenAt(user.userId, nowS, nowS + DEFAULT_ACCESS_TOKEN_TTL_S);
    assert.deepEqual(codeOf(await requestJson(n1.url, 'GET', '/me/cards', { token: whole })), [200, undefined], 'the same token with every claim');
  });

  it('writes a rotated refresh token in the same transaction as spending the old one', async () => {
    const [n0] = suite.nodes;
    const user = await registerUser(n0.url);
    // The next refresh-token insert fails once (a sequence is not rolled back with the failure).
    await suite.cluster.pool.query(`
      create sequence refresh_insert_attempts;
      create function fail_first_refresh_insert() returns trigger language plpgsql as $$
        begin
          if nextval('refresh_insert_attempts') = 1 then raise exception 'injected failure'; end if;
          return new;
        end $$;
      create trigger fail_first_refresh_insert before insert on refresh_tokens for each row execute function fail_first_refresh_insert();`);
    try {
      assert.equal((await postJson(n0.url, '/auth/refresh', { refreshToken: user.refreshToken })).status, 500);
      const retried = await postJson<TokenPair>(n0.url, '/auth/refresh', { refreshToken: user.refreshToken });
      assert.deepEqual(codeOf(retried), [200, undefined], 'the failed rotation left the old token usable');
      assert.equal((await requestJson(n0.url, 'GET', '/me/cards', { token: retried.body.accessToken })).status, 200);
    } finally {
      await suite.cluster.pool.query('drop trigger fail_first_refresh_insert on refresh_tokens; drop function fail_first_refresh_insert; drop sequence refresh_insert_attempts');
    }
  });

  it('refuses a refresh token that is nobody’s, and ignores its log-out, without a transaction that locks a row', async () => {
    const [n0, n1] = suite.nodes;
    // Held: a locking read of a token waits, a plain one does not. A guess must not wait (holding a connection).
    const blocker = await suite.cluster.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table refresh_tokens in exclusive mode');
      assert.deepEqual(codeOf(await postJson(n0.url, '/auth/refresh', { refreshToken: 'never-issued' })), [401, 'REFRESH_TOKEN_INVALID']);
      assert.equal((await postJson(n1.url, '/auth/logout', { refreshToken: 'never-issued' })).status, 200);
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }
  });

  it('cuts one session’s rapid refreshes at its bucket, on both nodes together, while another session of the account refreshes', async () => {
    const [n0, n1] = suite.nodes;
    const { perSecond, burst } = LOGIN_RULES['refresh.session'];
    const user = await registerUser(n0.url);
    const started = Date.now();
    let token = user.refreshToken;
    const statuses: number[] = [];
    let refused: { status: number; body: { code?: string; retryAfterMs?: number } } | undefined;
    for (let i = 0; i < burst + 3 && !refused; i++) {
      const answer = await postJson<TokenPair & { code?: string; retryAfterMs?: number }>(i % 2 ? n1.url : n0.url, '/auth/refresh', { refreshToken: token });
      statuses.push(answer.status);
      if (answer.status === 200) token = answer.body.refreshToken;
      else refused = answer;
    }
    const earned = Math.floor(((Date.now() - started) / 1000) * perSecond);
    assert.equal(refused?.status, 429, `statuses: ${statuses}`);
    assert.equal(refused?.body.code, 'RATE_LIMITED');
    assert.ok((refused?.body.retryAfterMs ?? 0) > 0);
    assert.ok(statuses.length - 1 >= burst && statuses.length - 1 <= burst + earned, `${statuses.length - 1} rotations`);
    // The refused refresh spent nothing: the token is the session's still, not a reuse. Another session goes on.
    const other = await postJson<TokenPair>(n1.url, '/auth/login', { email: user.email, password: TEST_PASSWORD });
    assert.equal((await postJson(n0.url, '/auth/refresh', { refreshToken: other.body.refreshToken })).status, 200);
    const alive = await suite.cluster.pool.query('select count(*)::int as n from refresh_tokens where user_id = $1 and used_at is null and revoked_at is null', [user.userId]);
    assert.equal(alive.rows[0].n, 2, 'each session’s newest token, unspent');
  });

  it('refuses a LiveKit webhook dated in the future', async () => {
    const [n0] = suite.nodes;
    const nowS = Math.floor(Date.now() / 1000);
    const ahead = await signedWebhook({ event: 'room_started', room: { name: 'call-none' } }, { createdAtS: nowS + 3600 });
    assert.deepEqual(await postWebhook(n0.url, ahead), { status: 401, code: 'WEBHOOK_REFUSED' });
    const now = await signedWebhook({ event: 'room_started', room: { name: 'call-none' } }, { createdAtS: nowS });
    assert.deepEqual(await postWebhook(n0.url, now), { status: 200 }, 'the same event dated now');
  });
});
