import assert from 'node:assert/strict';
import { LOGIN_RULES } from '../../domain/rateLimits';
import { postJson, registerUser, TEST_PASSWORD, uniqueEmail } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';

for (const backend of BACKENDS) {
  describe(`log-in throttling on ${backend.name}`, function () {
    // A proxy in front elsewhere: the tests' own requests, from loopback, come from no proxy.
    const suite = useSingleNode(backend, { TRUSTED_PROXIES: '192.0.2.0/24' });

    const login = (email: string, password = TEST_PASSWORD, headers: Record<string, string> = {}) => fetch(`${suite.node.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email, password }),
    });

    it('stops guessing at one account after a few attempts, even with the right password, and says when to retry', async () => {
      const user = await registerUser(suite.node.url);
      const burst = LOGIN_RULES['login.account'].burst;
      for (let i = 0; i < burst; i++) assert.equal((await login(user.email, 'wrong guess')).status, 401, `attempt ${i + 1}`);
      const refused = await login(user.email.toUpperCase()); // the same account, however it is spelled
      assert.equal(refused.status, 429);
      const body = (await refused.json()) as { code: string; retryAfterMs: number };
      assert.equal(body.code, 'RATE_LIMITED');
      assert.ok(body.retryAfterMs > 0);
      assert.equal(refused.headers.get('retry-after'), String(Math.ceil(body.retryAfterMs / 1000)));
      // Another account is not held back by this one.
      const other = await registerUser(suite.node.url);
      assert.equal((await postJson(suite.node.url, '/auth/login', { email: other.email, password: TEST_PASSWORD })).status, 200);
    });

    it('believes no X-Forwarded-For from a peer that is no trusted proxy: a guesser naming a new address each time is stopped all the same', async () => {
      const user = await registerUser(suite.node.url);
      const burst = LOGIN_RULES['login.account'].burst;
      const statuses: number[] = [];
      for (let i = 0; i < burst + 3; i++) statuses.push((await login(user.email, 'wrong guess', { 'x-forwarded-for': `203.0.113.${i + 1}` })).status);
      assert.deepEqual(statuses, [...Array(burst).fill(401), 429, 429, 429]);
    });

    it('stops one address trying many accounts', async () => {
      const burst = LOGIN_RULES['login.address'].burst;
      const answers: number[] = [];
      for (let i = 0; i < burst + 5; i++) answers.push((await login(uniqueEmail('nobody'))).status);
      // Earlier attempts from this address (the test above) count too.
      assert.ok(answers.includes(429));
      assert.deepEqual([...new Set(answers)].sort(), [401, 429]);
    });
  });
}
