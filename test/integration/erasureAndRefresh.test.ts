import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { TokenPair } from '../../contracts/auth';
import { eraseAccount, type AccountErased } from '../../db/repositories/accountErasureRepository';
import { postJson, waitUntil, type HttpResult } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { backendsWaitingOnLocks, useClusterDatabase } from '../support/clusterDatabase';
import { registerPerson } from '../support/matches';
import { harnessEmailKeys } from '../support/emailKeys';

type Answer = HttpResult<TokenPair & { code?: string }>;
const codeOf = (answer: Answer) => [answer.status, answer.body.code] as const;
const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('base64url');

/**
 * A person deletes their account while one of their devices refreshes its
 * tokens. A refresh takes its session's turn, then its token's row, and, as it
 * writes the successor, a key lock on the account's row; the erasure holds that
 * row and deletes the tokens. Taken in those orders the two met in a cycle,
 * which Postgres broke by failing one of them. Whichever begins first, both end:
 * a refresh that came first rotated and its new token is refused after the
 * erasure; one that came second is refused.
 */
describe('an account erasure and a refresh of the same account', function () {
  // A long grace: a retry of a spent token is rotated again however slow the machine.
  const suite = useTestCluster(1, { REFRESH_REUSE_GRACE_MS: '120000' });
  const database = useClusterDatabase(suite, 2);
  const refresh = (refreshToken: string): Promise<Answer> => postJson(suite.nodes[0].url, '/auth/refresh', { refreshToken });
  const waiting = () => backendsWaitingOnLocks(suite.cluster.pool);

  /** Runs `body` with a transaction of the test's own that holds `lock` (a statement), then rolls it back. */
  async function holding<T>(lock: readonly [string, unknown[]], body: (release: () => Promise<void>) => Promise<T>): Promise<T> {
    const blocker: PoolClient = await suite.cluster.pool.connect();
    let held = true;
    const release = async () => {
      if (held) await blocker.query('rollback');
      held = false;
    };
    try {
      await blocker.query('begin');
      assert.equal((await blocker.query(...lock)).rowCount, 1, 'the blocker holds its row');
      return await body(release);
    } finally {
      await release();
      blocker.release();
    }
  }

  /** Settles both, as a person and their device would see them: the erasure's outcome, and the refresh's answer or failure. */
  const settled = async (erasure: Promise<AccountErased | undefined>, refreshed: Promise<Answer>) => {
    const [erased, answer] = await Promise.allSettled([erasure, refreshed]);
    assert.equal(erased.status, 'fulfilled', `the erasure: ${erased.status === 'rejected' ? String(erased.reason) : ''}`);
    assert.ok(erased.status === 'fulfilled' && erased.value, 'the account was erased');
    assert.equal(answer.status, 'fulfilled', `the refresh: ${answer.status === 'rejected' ? String(answer.reason) : ''}`);
    return (answer as PromiseFulfilledResult<Answer>).value;
  };

  it('refuses a refresh that comes while the erasure holds the account’s row', async () => {
    const person = await registerPerson(suite.nodes[0].url, 'leaving');
    // The erasure stops at the person's card, after it took the account's row and before the tokens.
    const answer = await holding(['select 1 from cards where owner_id = $1 for update', [person.userId]], async (release) => {
      const erasure = eraseAccount(database.db, person.userId, new Date(), harnessEmailKeys);
      await waitUntil(async () => (await waiting()) === 1, 10_000, () => 'the erasure to wait at the card');
      const refreshed = refresh(person.refreshToken);
      await waitUntil(async () => (await waiting()) === 2, 10_000, () => 'the refresh to wait for the erasure');
      await release();
      return settled(erasure, refreshed);
    });
    // The account is read before the token: a deleted one is refused as a banned one is.
    assert.deepEqual(codeOf(answer), [403, 'ACCOUNT_BANNED'], JSON.stringify(answer.body));
    assert.equal(Number((await suite.cluster.pool.query('select count(*) as n from refresh_tokens where user_id = $1', [person.userId])).rows[0].n), 0);
  });

  it('lets a refresh under way finish first, and refuses its new token after the erasure', async () => {
    const person = await registerPerson(suite.nodes[0].url, 'leaving');
    // A rotation whose answer was lost: the retry revokes that successor, which the blocker holds.
    const lost = await refresh(person.refreshToken);
    assert.equal(lost.status, 200);
    const answer = await holding(['select 1 from refresh_tokens where token_hash = $1 for update', [hashOf(lost.body.refreshToken)]], async (release) => {
      const refreshed = refresh(person.refreshToken);
      await waitUntil(async () => (await waiting()) === 1, 10_000, () => 'the refresh to wait at the successor, its own token held');
      const erasure = eraseAccount(database.db, person.userId, new Date(), harnessEmailKeys);
      await waitUntil(async () => (await waiting()) === 2, 10_000, () => 'the erasure to wait');
      await release();
      return settled(erasure, refreshed);
    });
    assert.deepEqual(codeOf(answer), [200, undefined], JSON.stringify(answer.body));
    assert.deepEqual(codeOf(await refresh(answer.body.refreshToken)), [401, 'REFRESH_TOKEN_INVALID'], 'the new token, after the erasure');
    assert.equal(Number((await suite.cluster.pool.query('select count(*) as n from refresh_tokens where user_id = $1', [person.userId])).rows[0].n), 0);
  });
});
