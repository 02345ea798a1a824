import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { HTTP_ROUTES } from '../../contracts/httpRoutes';
import type { TokenPair } from '../../contracts/auth';
import type { CardView } from '../../contracts/cards';
import { registerUser, TEST_PASSWORD, uniqueEmail } from '../support/accounts';
import { useEmbeddedNode } from '../support/backends';
import { signedWebhook } from '../support/calls';
import { matchPeople, registerPerson } from '../support/matches';

const ADMIN_KEY = randomBytes(24).toString('hex');
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Operation = { responses: Record<string, { content: Record<string, { schema: Record<string, unknown> }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: { Error: Record<string, unknown> } } };

describe('OpenAPI', function () {
  // The subscription below is on a host no node posts to; it is listed so it may be registered.
  const suite = useEmbeddedNode({ ADMIN_API_KEY: ADMIN_KEY, WEB_PUSH_ENDPOINT_HOSTS: 'push.example.invalid' });
  let document: Document;
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  /** The documented routes (`<method> <pattern>`) whose success was seen to conform. */
  const conformed = new Set<string>();

  /**
   * One real request to the node; its answer must conform to the document: the
   * schema of its status, or the coded refusal (`default`). Returns the body.
   */
  async function call<T = Record<string, unknown>>(method: Method, pattern: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
    const response = await fetch(`${suite.node.url}${path}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
    const text = await response.text();
    const operation = document.paths[pattern.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${pattern} is documented`);
    const answer = operation.responses[String(response.status)] ?? operation.responses['default']!;
    const [type, media] = Object.entries(answer.content)[0]!;
    assert.ok(response.headers.get('content-type')?.startsWith(type.split(';')[0]!), `${method} ${path}: content-type ${response.headers.get('content-type')} is ${type}`);
    const schema = operation.responses[String(response.status)] ? media.schema : document.components.schemas.Error;
    const body = type === 'application/json' ? JSON.parse(text) : text;
    const validate = ajv.compile(schema);
    assert.ok(validate(body), `${method} ${path} ${response.status} does not conform: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`);
    if (response.status < 300) conformed.add(`${method === 'DELETE' ? 'del' : method.toLowerCase()} ${pattern}`);
    return { status: response.status, body: body as T };
  }

  before(async function () {
    if (!suite.node) return;
    document = (await (await fetch(`${suite.node.url}/openapi.json`)).json()) as Document;
  });

  it('is served at /openapi.json and validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Parameters<Validator["validate"]>[0]);
    assert.deepEqual(result, { valid: true });
    assert.equal(validator.version, '3.1');
    await call('GET', '/openapi.json', '/openapi.json');
  });

  it('documents what is refused: an unknown path, a bad body, a missing token', async () => {
    const broken = await call('POST', '/auth/register', '/auth/register', { raw: '{"email', headers: { 'content-type': 'application/json' } });
    assert.equal(broken.status, 400);
    assert.equal((await call('GET', '/me/cards', '/me/cards')).status, 401);
    assert.equal((await call('POST', '/admin/users/:id', '/admin/users/x', { body: { isPremium: true } })).status, 403);
  });

  it('every route answers as documented', async () => {
    // Accounts.
    const email = uniqueEmail('openapi');
    const registered = await call<TokenPair>('POST', '/auth/register', '/auth/register', { body: { email, password: TEST_PASSWORD } });
    assert.equal(registered.status, 201);
    const login = await call<TokenPair>('POST', '/auth/login', '/auth/login', { body: { email, password: TEST_PASSWORD } });
    const refreshed = await call<TokenPair>('POST', '/auth/refresh', '/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    await call('POST', '/auth/logout', '/auth/logout', { body: { refreshToken: refreshed.body.refreshToken } });
    const me = (await call<TokenPair>('POST', '/auth/login', '/auth/login', { body: { email, password: TEST_PASSWORD } })).body;
    const token = me.accessToken;

    // Cards and preferences.
    const card = await call<{ id: string }>('POST', '/cards', '/cards', { token, body: { kind: 'person', title: 'Ada', birthYear: 1990 } });
    assert.equal(card.status, 201);
    await call('GET', '/cards/:id', `/cards/${card.body.id}`, { token });
    await call('PATCH', '/cards/:id', `/cards/${card.body.id}`, { token, body: { bio: 'hello' } });
    await call('GET', '/me/cards', '/me/cards', { token });
    await call('GET', '/me/preferences', '/me/preferences', { token });
    await call('PUT', '/me/preferences', '/me/preferences', { token, body: { maxDistanceKm: 40 } });

    // Push targets (a development node has Web Push with its own VAPID keys).
    await call('GET', '/push/vapid-public-key', '/push/vapid-public-key');
    const subscription = { endpoint: 'https://push.example.invalid/s/1', keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'A'.repeat(22) } };
    assert.equal((await call('PUT', '/me/devices/:deviceId/push', '/me/devices/web/push', { token, body: { platform: 'webpush', subscription } })).status, 200);
    await call('PUT', '/me/push-settings', '/me/push-settings', { token, body: { previews: false } });
    await call('DELETE', '/me/devices/:deviceId/push', '/me/devices/web/push', { token });

    // Matches, blocks, reports.
    const [c, d] = await Promise.all([registerPerson(suite.node.url, 'C'), registerPerson(suite.node.url, 'D')]);
    const matchId = await matchPeople(c, d, [suite.node.url, suite.node.url]);
    await call('GET', '/me/threads', '/me/threads', { token: c.accessToken });
    await call('GET', '/me/progress', '/me/progress', { token: c.accessToken });
    await call('DELETE', '/me/matches/:id', `/me/matches/${matchId}`, { token: c.accessToken });
    await call('POST', '/reports', '/reports', { token, body: { userId: c.userId, context: 'profile', contextId: c.card.id, reason: 'spam' } });
    await call('POST', '/me/blocks', '/me/blocks', { token, body: { userId: c.userId } });
    await call('DELETE', '/cards/:id', `/cards/${card.body.id}`, { token });

    // Operators.
    await call('POST', '/admin/users/:id', `/admin/users/${me.userId}`, { token: ADMIN_KEY, body: { isPremium: true } });
    await call('GET', '/admin/node', '/admin/node', { token: ADMIN_KEY });
    await call('POST', '/admin/users/:id/verified', `/admin/users/${d.userId}/verified`, { token: ADMIN_KEY, body: { verified: true } });
    const reports = await call<{ reports: Array<{ reportId: string }> }>('GET', '/admin/reports', `/admin/reports?reportedId=${c.userId}`, { token: ADMIN_KEY });
    await call('POST', '/admin/reports/:id/resolve', `/admin/reports/${reports.body.reports[0]!.reportId}/resolve`, { token: ADMIN_KEY, body: { action: 'dismiss', note: 'fine' } });
    await call('GET', '/admin/audit', '/admin/audit', { token: ADMIN_KEY });

    // Live events.
    const recruiter = await registerUser(suite.node.url, undefined, 'recruiter');
    const job = await call<CardView>('POST', '/cards', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Engineer' } });
    const now = Date.now();
    const event = await call<{ eventId: string }>('POST', '/events', '/events', {
      token: recruiter.accessToken,
      body: { jobCardId: job.body.id, title: 'Hiring day', startsAt: new Date(now + 300_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), capacity: 5 },
    });
    assert.equal(event.status, 201);
    assert.equal((await call('POST', '/events/:id/registrations', `/events/${event.body.eventId}/registrations`, { token: d.accessToken })).status, 201);
    assert.equal((await call('POST', '/events/:id/registrations', `/events/${event.body.eventId}/registrations`, { token: d.accessToken })).status, 200);
    await call('GET', '/events/:id/attendance', `/events/${event.body.eventId}/attendance`, { token: recruiter.accessToken });

    // Companies and colleagues in a hiring thread.
    const colleague = await registerUser(suite.node.url, undefined, 'recruiter');
    const company = await call<{ companyId: string }>('POST', '/admin/companies', '/admin/companies', { token: ADMIN_KEY, body: { name: 'Acme' } });
    assert.equal(company.status, 201);
    for (const member of [recruiter, colleague]) {
      await call('PUT', '/admin/companies/:id/members/:userId', `/admin/companies/${company.body.companyId}/members/${member.userId}`, { token: ADMIN_KEY });
    }
    await call('GET', '/me/company', '/me/company', { token: colleague.accessToken });
    // A job posted once its recruiter is the company's: the company's, so its threads take the company's colleagues.
    const companyJob = await call<CardView>('POST', '/cards', '/cards', { token: recruiter.accessToken, body: { kind: 'job', title: 'Engineer at Acme' } });
    const hiring = await matchPeople({ ...recruiter, card: companyJob.body }, d, [suite.node.url, suite.node.url]);
    const added = await call('POST', '/me/matches/:id/colleagues', `/me/matches/${hiring}/colleagues`, { token: recruiter.accessToken, body: { userId: colleague.userId } });
    assert.equal(added.status, 201);
    await call('DELETE', '/me/matches/:id/colleagues/:userId', `/me/matches/${hiring}/colleagues/${colleague.userId}`, { token: colleague.accessToken });
    await call('DELETE', '/admin/companies/:id/members/:userId', `/admin/companies/${company.body.companyId}/members/${colleague.userId}`, { token: ADMIN_KEY });

    // LiveKit, health, metrics, matchmaking.
    const webhook = await signedWebhook({ event: 'room_finished', room: { name: 'call_nobody' } });
    await call('POST', '/livekit/webhook', '/livekit/webhook', { raw: webhook.body, headers: { 'content-type': 'application/webhook+json', authorization: webhook.authorization } });
    await call('GET', '/healthz', '/healthz');
    await call('GET', '/readyz', '/readyz');
    await call('GET', '/metrics', '/metrics');
    await call('GET', '/app/', '/app/');
    await call('GET', '/app/:file', '/app/index.html');
    const seat = await call('POST', '/matchmake/:method/:roomName', '/matchmake/joinOrCreate/session', { token: d.accessToken, body: { userId: d.userId, deviceId: 'web' } });
    assert.equal(seat.status, 200);
    assert.equal((await call('POST', '/matchmake/:method/:roomName', '/matchmake/join/session', { token: d.accessToken, body: {} })).status, 404);

    // Leaving.
    await call('GET', '/me/export', '/me/export', { token: c.accessToken });
    assert.equal((await call('DELETE', '/me', '/me', { token: c.accessToken, body: { password: TEST_PASSWORD } })).status, 200);
  });

  it('has seen every documented route answer as documented', function () {
    if (conformed.size === 0) this.skip(); // the suite's node never started
    const missing = HTTP_ROUTES.map((spec) => `${spec.method} ${spec.path}`).filter((route) => !conformed.has(route));
    assert.deepEqual(missing, [], 'routes never called with success');
  });
});
