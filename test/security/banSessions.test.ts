import assert from 'node:assert/strict';
import type { TokenPair } from '../../contracts/auth';
import { postJson, registerUser, requestJson, TEST_PASSWORD, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { ADMIN_KEY } from '../support/operator';

const codeOf = (answer: { status: number; body: unknown }) => [answer.status, (answer.body as { code?: string }).code] as const;

/** The advisory lock a held log-in waits on before it stores its session. */
const HOLD_KEY = 740_131;

describe('security: a ban and the account’s log-in sessions', function () {
  const suite = useTestCluster(2, { ADMIN_API_KEY: ADMIN_KEY });
  const count = async (query: string, params: unknown[] = []) => (await suite.cluster.pool.query<{ n: number }>(query, params)).rows[0]!.n;
  const ban = (url: string, userId: string, banned: boolean) => requestJson(url, 'POST', `/admin/users/${userId}`, { token: ADMIN_KEY, body: { banned } });

  it('refuses the tokens of a log-in that read the account before a ban landed and signed them after, in a later second', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    // The account's next session waits, once its log-in has read the account and checked the password, until the test lets it go.
    await suite.cluster.pool.query(`
      create function hold_session_insert() returns trigger language plpgsql as $$
        begin
          if new.user_id = '${user.userId}' then perform pg_advisory_xact_lock_shared(${HOLD_KEY}); end if;
          return new;
        end $$;
      create trigger hold_session_insert before insert on refresh_tokens for each row execute function hold_session_insert();`);
    const holder = await suite.cluster.pool.connect();
    try {
      await holder.query('select pg_advisory_lock($1)', [HOLD_KEY]);
      const login = postJson<TokenPair>(n0.url, '/auth/login', { email: user.email, password: TEST_PASSWORD });
      await waitUntil(async () => (await count(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`)) === 1, 10_000, () => 'the log-in held');
      let banAnswered = false;
      const banning = ban(n1.url, user.userId, true).then((answer) => ((banAnswered = true), answer));
      // The ban is stored and revoked, or waits for the log-in.
      const banWaits = () => count(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and wait_event in ('transactionid', 'tuple')`);
      await waitUntil(async () => banAnswered || (await banWaits()) > 0, 10_000, () => 'the ban stored or waiting');
      // A token signed from here on, dated when it is signed, is of a later second than the ban's revocation.
      const nextSecondMs = (Math.floor(Date.now() / 1000) + 1) * 1000;
      await waitUntil(() => Date.now() >= nextSecondMs, 2_000, () => 'the next second');
      await holder.query('select pg_advisory_unlock($1)', [HOLD_KEY]);
      const [loggedIn, banned] = await Promise.all([login, banning]);
      assert.equal(banned.status, 200);
      if (loggedIn.status === 200) {
        assert.deepEqual(codeOf(await requestJson(n0.url, 'GET', '/me/threads', { token: loggedIn.body.accessToken })), [403, 'ACCOUNT_BANNED'], 'its access token');
        assert.deepEqual(codeOf(await requestJson(n1.url, 'GET', '/me/threads', { token: loggedIn.body.accessToken })), [403, 'ACCOUNT_BANNED'], 'on the other node');
        assert.notEqual((await postJson(n1.url, '/auth/refresh', { refreshToken: loggedIn.body.refreshToken })).status, 200, 'its refresh token');
      } else {
        assert.deepEqual(codeOf(loggedIn), [403, 'ACCOUNT_BANNED']);
      }
    } finally {
      await holder.query('select pg_advisory_unlock_all()');
      holder.release();
      await suite.cluster.pool.query('drop trigger if exists hold_session_insert on refresh_tokens; drop function if exists hold_session_insert');
    }
  });

  it('ends every log-in session of an account when its ban is stored: after the unban no refresh token from before works, and its push targets are gone', async () => {
    const [n0, n1] = suite.nodes;
    const user = await registerUser(n0.url);
    const other = await postJson<TokenPair>(n1.url, '/auth/login', { email: user.email, password: TEST_PASSWORD });
    // A refresh token copied by someone else before the ban, and a device the account registered.
    const rotated = await postJson<TokenPair>(n1.url, '/auth/refresh', { refreshToken: other.body.refreshToken });
    assert.equal(rotated.status, 200);
    await suite.cluster.pool.query(
      `insert into push_targets (user_id, device_id, platform, target, session_id) values ($1, 'phone', 'fcm', '{"platform":"fcm","token":"t"}', null)`,
      [user.userId],
    );

    assert.equal((await ban(n0.url, user.userId, true)).status, 200);
    const live = () => count('select count(*)::int as n from refresh_tokens where user_id = $1 and revoked_at is null', [user.userId]);
    assert.equal(await live(), 0, 'no refresh token of the account is live once the ban is answered');
    assert.equal(await count('select count(*)::int as n from push_targets where user_id = $1', [user.userId]), 0);
    assert.deepEqual(codeOf(await postJson(n1.url, '/auth/refresh', { refreshToken: user.refreshToken })), [403, 'ACCOUNT_BANNED'], 'while banned');

    assert.equal((await ban(n1.url, user.userId, false)).status, 200);
    for (const refreshToken of [user.refreshToken, rotated.body.refreshToken]) {
      const answer = await postJson(n0.url, '/auth/refresh', { refreshToken });
      assert.equal(answer.status, 401, `a refresh token from before the ban, after the unban: ${JSON.stringify(answer.body)}`);
    }
    // Logging in again is how the person comes back.
    assert.equal((await postJson(n0.url, '/auth/login', { email: user.email, password: TEST_PASSWORD })).status, 200);
  });
});
