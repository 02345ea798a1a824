import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { HttpErrorBody, TokenPair } from '../../contracts/auth';
import { hashPassword } from '../../server/auth/passwordHasher';
import { postJson, TEST_PASSWORD, uniqueEmail } from '../support/accounts';
import { useTestCluster } from '../support/cluster';

/**
 * Accounts are credential-stuffing targets: log-in guessing is limited per account and per
 * address, but the commonest passwords fall to a few guesses spread over many addresses. A
 * password being set is judged first; one already set is never judged again.
 */
describe('security: weak passwords', function () {
  const suite = useTestCluster(1);
  const url = () => suite.nodes[0].url;
  const accountsWith = async (email: string) =>
    Number((await suite.cluster.pool.query<{ n: string }>('select count(*) as n from users where email = $1', [email])).rows[0]!.n);

  it('refuses "password1", "12345678" and the email itself with PASSWORD_TOO_WEAK, making no account; the same email then registers with a strong one', async () => {
    const email = uniqueEmail('weak');
    for (const password of ['password1', '12345678', email]) {
      const refused = await postJson<HttpErrorBody>(url(), '/auth/register', { email, password });
      assert.deepEqual([refused.status, refused.body.code], [400, 'PASSWORD_TOO_WEAK'], password);
      assert.ok(!refused.body.message.includes(password), `the refusal says why without repeating the password: ${refused.body.message}`);
      const login = await postJson<HttpErrorBody>(url(), '/auth/login', { email, password });
      assert.deepEqual([login.status, login.body.code], [401, 'INVALID_CREDENTIALS'], `no account signs in with ${password}`);
      assert.equal(await accountsWith(email), 0, `no account stored for ${password}`);
    }
    const registered = await postJson<TokenPair>(url(), '/auth/register', { email, password: TEST_PASSWORD });
    assert.equal(registered.status, 201, 'the email is still free');
    assert.equal((await postJson(url(), '/auth/login', { email, password: TEST_PASSWORD })).status, 200);
  });

  it('judges no password at log-in: an account whose password the rule now refuses still signs in', async () => {
    const email = uniqueEmail('earlier');
    const passwordHash = await hashPassword('password1');
    await suite.cluster.pool.query('insert into users (id, email, password_hash) values ($1, $2, $3)', [randomUUID(), email, passwordHash]);
    const login = await postJson<TokenPair>(url(), '/auth/login', { email, password: 'password1' });
    assert.equal(login.status, 200);
  });
});
