import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TokenPair } from '../../contracts/auth';
import { connectDevice, disconnect, postJson, requestJson, TEST_PASSWORD, uniqueEmail } from '../support/accounts';
import { BACKENDS, useSingleNode } from '../support/backends';

const jwtSecret = randomBytes(32).toString('hex');
const adminKey = randomBytes(24).toString('hex');

for (const backend of BACKENDS) describe(`secrets in the logs, ${backend.name}`, function () {
  // The most talkative level: whatever is logged at all is logged here.
  const suite = useSingleNode(backend, { LOG_LEVEL: 'trace', JWT_SECRET: jwtSecret, ADMIN_API_KEY: adminKey });

  it('never prints a password, a token, the signing secret or the operator key, even on errors', async () => {
    const email = uniqueEmail();
    const registered = await postJson<TokenPair>(suite.node.url, '/auth/register', { email, password: TEST_PASSWORD });
    await postJson(suite.node.url, '/auth/login', { email, password: 'a wrong password here' });
    const login = await postJson<TokenPair>(suite.node.url, '/auth/login', { email, password: TEST_PASSWORD });
    const refreshed = await postJson<TokenPair>(suite.node.url, '/auth/refresh', { refreshToken: login.body.refreshToken });
    // The same token again, its answer taken for lost: a new pair. Once that one is used, the first is a copy.
    const retried = await postJson<TokenPair>(suite.node.url, '/auth/refresh', { refreshToken: login.body.refreshToken });
    await postJson(suite.node.url, '/auth/refresh', { refreshToken: retried.body.refreshToken });
    await postJson(suite.node.url, '/auth/refresh', { refreshToken: login.body.refreshToken }); // reused: revokes the family
    await requestJson(suite.node.url, 'POST', `/admin/users/${registered.body.userId}`, { token: adminKey, body: { isPremium: true } });
    await requestJson(suite.node.url, 'POST', '/admin/users/not-a-uuid', { token: adminKey, body: { isPremium: 'yes' } });
    await requestJson(suite.node.url, 'POST', '/cards', { token: refreshed.body.accessToken, body: '{"broken' });
    // The reuse above revoked that session's access tokens: a new log-in connects.
    const again = await postJson<TokenPair>(suite.node.url, '/auth/login', { email, password: TEST_PASSWORD });
    const device = await connectDevice(suite.node.url, again.body, 'phone');
    device.room.send('swipe', { fromCardId: 'x', token: again.body.accessToken });
    await disconnect(device);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const output = suite.node.output();
    assert.ok(output.length > 0, 'the node logged something');
    const secrets = {
      password: TEST_PASSWORD,
      'wrong password': 'a wrong password here',
      'access token': refreshed.body.accessToken,
      'another access token': again.body.accessToken,
      'refresh token': login.body.refreshToken,
      'retried refresh token': retried.body.refreshToken,
      'signing secret': jwtSecret,
      'operator key': adminKey,
    };
    for (const [what, secret] of Object.entries(secrets)) assert.equal(output.includes(secret), false, `${what} in the logs`);
  });
});
