import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TokenPair } from '../../contracts/auth';
import { TEST_PASSWORD, uniqueEmail } from '../support/accounts';
import { useEmbeddedNode } from '../support/backends';
import { rawRequest, type RawAnswer } from '../support/rawHttp';

const APP = 'http://localhost:5173';
const STRANGER = 'https://evil.example';

function register(url: string, origin: string): Promise<RawAnswer> {
  return rawRequest(url, 'POST', '/auth/register', {
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail('cors'), password: TEST_PASSWORD }),
  });
}

function preflight(url: string, path: string, origin: string, method = 'POST'): Promise<RawAnswer> {
  return rawRequest(url, 'OPTIONS', path, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  });
}

/** What a browser checks on an answer to a credentialed request from `origin`. */
function assertGranted(answer: RawAnswer, origin: string, what: string): void {
  assert.equal(answer.headers['access-control-allow-origin'], origin, `${what}: the origin echoed`);
  assert.equal(answer.headers['access-control-allow-credentials'], 'true', `${what}: credentials allowed`);
  assert.match(String(answer.headers['vary']), /origin/i, `${what}: varies by origin`);
}

function assertRefused(answer: RawAnswer, what: string): void {
  assert.equal(answer.headers['access-control-allow-origin'], undefined, `${what}: no grant`);
  assert.equal(answer.headers['access-control-allow-credentials'], undefined, `${what}: no credentials`);
  assert.match(String(answer.headers['vary']), /origin/i, `${what}: varies by origin`);
}

describe('CORS', function () {
  describe('a development node without CORS_ORIGINS', () => {
    const suite = useEmbeddedNode();

    it('lets a page of any origin register, with the preflight and the answer agreeing', async () => {
      const before = await preflight(suite.node.url, '/auth/register', APP);
      assert.equal(before.status, 204);
      assertGranted(before, APP, 'preflight');
      assert.match(String(before.headers['access-control-allow-methods']), /POST/);
      assert.match(String(before.headers['access-control-allow-headers']), /authorization/i);
      assert.match(String(before.headers['access-control-allow-headers']), /content-type/i);
      const answer = await register(suite.node.url, APP);
      assert.equal(answer.status, 201, answer.body);
      assertGranted(answer, APP, 'register');
      assert.match(String(answer.headers['access-control-expose-headers']), /retry-after/);
    });

    it('grants matchmaking, refusals and unknown paths as well', async () => {
      const account = JSON.parse((await register(suite.node.url, APP)).body) as TokenPair;
      assertGranted(await preflight(suite.node.url, '/matchmake/joinOrCreate/session', APP), APP, 'matchmaking preflight');
      const seat = await rawRequest(suite.node.url, 'POST', '/matchmake/joinOrCreate/session', {
        headers: { origin: APP, 'content-type': 'application/json', authorization: `Bearer ${account.accessToken}` },
        body: JSON.stringify({ userId: account.userId, deviceId: 'browser' }),
      });
      assert.equal(seat.status, 200, seat.body);
      assertGranted(seat, APP, 'seat reservation');
      const refused = await rawRequest(suite.node.url, 'GET', '/me/cards', { headers: { origin: APP } });
      assert.equal(refused.json?.code, 'TOKEN_MISSING');
      assertGranted(refused, APP, 'a refusal');
      const unknown = await rawRequest(suite.node.url, 'GET', '/no/such/route', { headers: { origin: APP } });
      assert.equal(unknown.status, 404);
      assertGranted(unknown, APP, 'an unknown path');
    });

    it('grants no sandboxed page (origin "null") and adds nothing without an Origin', async () => {
      assertRefused(await register(suite.node.url, 'null'), 'origin null');
      const plain = await rawRequest(suite.node.url, 'GET', '/healthz');
      assert.equal(plain.headers['access-control-allow-origin'], undefined);
    });
  });

  describe('a node with CORS_ORIGINS', () => {
    const suite = useEmbeddedNode({ CORS_ORIGINS: `${APP}, https://app.example.com` });

    it('grants a listed origin, on the preflight and the answer', async () => {
      for (const origin of [APP, 'https://app.example.com']) {
        assertGranted(await preflight(suite.node.url, '/auth/register', origin), origin, `preflight from ${origin}`);
        const answer = await register(suite.node.url, origin);
        assert.equal(answer.status, 201, answer.body);
        assertGranted(answer, origin, `register from ${origin}`);
      }
    });

    it('grants nothing to another origin, on the preflight and the answer', async () => {
      const before = await preflight(suite.node.url, '/auth/register', STRANGER);
      assertRefused(before, 'preflight');
      assert.equal(before.headers['access-control-allow-methods'], undefined);
      assertRefused(await register(suite.node.url, STRANGER), 'register');
      assertRefused(await preflight(suite.node.url, '/matchmake/joinOrCreate/session', STRANGER), 'matchmaking preflight');
    });
  });

  describe('a production node without CORS_ORIGINS', () => {
    const suite = useEmbeddedNode({
      NODE_ENV: 'production',
      KISMET_SINGLE_NODE: '1',
      HOST: '127.0.0.1',
      JWT_SECRET: randomBytes(32).toString('hex'),
      LIVEKIT_URL: 'wss://media.example.com',
      LIVEKIT_API_KEY: 'key',
      LIVEKIT_API_SECRET: randomBytes(32).toString('hex'),
      MEDIA_HOSTS: 'media.kismet.test',
    });

    it('grants no origin', async () => {
      assertRefused(await preflight(suite.node.url, '/auth/register', APP), 'preflight');
      const answer = await register(suite.node.url, APP);
      assert.equal(answer.status, 201, answer.body);
      assertRefused(answer, 'register');
    });
  });
});
