import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { HTTP_ROUTES } from '../../contracts/httpRoutes';
import { WEB_APP_PATH } from '../../server/http/webAppRoute';
import { BACKENDS, useSingleNode } from '../support/backends';
import { registerPerson } from '../support/matches';
import { rawRequest } from '../support/rawHttp';

describe('API answers are stored nowhere', function () {
  const suite = useSingleNode(BACKENDS[0]!);

  it('carry cache-control: no-store on every route, signed in, refused or unknown', async () => {
    const person = await registerPerson(suite.node.url, 'PRIVATE_CARD');
    // Every documented route as a signed-in browser calls it: its own card to read, a made-up id elsewhere (nothing of its own changes).
    const calls = HTTP_ROUTES.filter((spec) => !spec.path.startsWith(WEB_APP_PATH)).map((spec) => ({
      method: spec.method === 'del' ? 'DELETE' : spec.method.toUpperCase(),
      path: spec.path.replace(':id', spec.method === 'get' && spec.path === '/cards/:id' ? person.card.id : randomUUID()).replace(/:[A-Za-z]+/g, 'x'),
      body: spec.body ? '{}' : undefined,
    }));
    calls.push({ method: 'GET', path: '/no/such/route', body: undefined }, { method: 'GET', path: '/me/./cards', body: undefined });
    const stored: string[] = [];
    for (const call of calls) {
      const headers = { authorization: `Bearer ${person.accessToken}`, ...(call.body ? { 'content-type': 'application/json' } : {}) };
      const answer = await rawRequest(suite.node.url, call.method, call.path, { headers, body: call.body });
      if (answer.headers['cache-control'] !== 'no-store') stored.push(`${call.method} ${call.path}: ${answer.status} ${String(answer.headers['cache-control'])}`);
    }
    assert.deepEqual(stored, []);
    // The private answers among them, for one: the account's own cards.
    const cards = await rawRequest(suite.node.url, 'GET', '/me/cards', { headers: { authorization: `Bearer ${person.accessToken}` } });
    assert.equal(cards.status, 200);
    assert.match(cards.body, /PRIVATE_CARD/);
    assert.equal(cards.headers['cache-control'], 'no-store');
  });
});
