import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { OPERATOR_USER } from '../../server/http/routerEndpoints';
import { connectDevice, disconnect, joinActor, requestJson, waitUntil, type Device } from '../support/accounts';
import type { CardView } from '../../contracts/cards';
import { LIVE_EVENT_ROOM, LiveEventMessageType } from '../../contracts/liveEvents';
import { personAt, watchLobby } from '../support/discovery';
import { scheduleEvent } from '../support/liveEvents';
import { metricValue } from '../support/cluster';
import { BACKENDS } from '../support/backends';
import { joinThread, matchedPair, type ThreadConnection } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every family of a node's /metrics, by name, after checking the text is well-formed exposition format. */
async function scrape(node: NodeHandle): Promise<Map<string, ReturnType<typeof parsePrometheusTextFormat>[number]>> {
  const response = await fetch(`${node.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  // prom-client writes a figure with no samples yet (an event loop lag read right after its reset) as `Nan`,
  // which Prometheus reads as it reads `NaN` (its float parser ignores case).
  for (const line of text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#'))) {
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? -?([0-9.e+-]+|NaN|Nan|\+Inf|-Inf)$/, line);
  }
  const families = parsePrometheusTextFormat(text);
  for (const family of families) assert.ok(family.help.length > 0 && family.type, family.name);
  return new Map(families.map((f) => [f.name, f]));
}

const valueOf = (family: { metrics: ReadonlyArray<{ value?: string; labels?: Readonly<Record<string, string>> }> } | undefined, labels: Record<string, string> = {}) =>
  Number(family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value);

describe('what operators see', function () {
  const backend = BACKENDS[0]!; // embedded: the figures are the node's own, whatever the database
  let node: NodeHandle;
  let bare: NodeHandle;
  let teardown: () => Promise<void> = async () => {};
  const open: Array<Device | ThreadConnection> = [];

  before(async function () {
    const setup = await backend.setup(this);
    const other = await backend.setup(this);
    if (!setup || !other) return;
    teardown = async () => {
      await setup.teardown();
      await other.teardown();
    };
    node = await startNodeProcess({ ...setup.env, ADMIN_API_KEY: ADMIN_KEY });
    bare = await startNodeProcess(other.env);
  });

  after(async () => {
    await Promise.all(open.map(disconnect));
    await Promise.all([node?.stop(), bare?.stop()]);
    await teardown();
  });

  it('serves /metrics as Prometheus text whose connection and room figures match what is connected', async () => {
    const { a, b, matchId } = await matchedPair(node.url);
    // Three devices over two sessions, and both members in their thread: five connections.
    open.push(await connectDevice(node.url, a, 'phone'), await connectDevice(node.url, a, 'tablet'), await connectDevice(node.url, b, 'phone'));
    open.push(await joinThread(node.url, a, matchId), await joinThread(node.url, b, matchId));
    const families = await scrape(node);
    assert.equal(valueOf(families.get('kismet_connections')), 5);
    assert.equal(valueOf(families.get('kismet_rooms'), { kind: 'session' }), 2);
    assert.equal(valueOf(families.get('kismet_rooms'), { kind: 'chat' }), 1);
    for (const name of ['kismet_messages_in_total', 'kismet_command_duration_seconds', 'kismet_event_loop_lag_seconds', 'kismet_chat_flush_threads']) {
      assert.ok(families.has(name), `missing ${name}`);
    }
    // Leaving shows at once.
    await disconnect(open.pop()!);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(valueOf((await scrape(node)).get('kismet_connections')), 4);
  });

  it('counts lobby and live event connections with the others, and every HTTP answer by its route', async () => {
    const connections = async () => valueOf((await scrape(node)).get('kismet_connections'));
    const before = await connections();
    const watcher = await personAt(node.url, { lat: 52.52, lng: 13.405 });
    const card = await requestJson<CardView>(node.url, 'GET', `/cards/${watcher.card.id}`, { token: watcher.accessToken });
    const lobby = await watchLobby(node.url, watcher, card.body.h3Cell!);
    const { eventId } = await scheduleEvent(node.url, 10);
    assert.equal((await requestJson(node.url, 'POST', `/events/${eventId}/registrations`, { token: watcher.accessToken })).status, 201);
    const attending = await joinActor(node.url, watcher.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY).catch(async (error: unknown) => {
      await disconnect(lobby);
      throw error;
    });
    const watching = [lobby, attending];
    await waitUntil(async () => (await connections()) === before + 2, 10_000, () => 'a lobby and an event connection counted');

    const families = await scrape(node);
    const answers = (route: string, status: string) => valueOf(families.get('kismet_http_requests_total'), { route, status });
    assert.ok(answers('GET /cards/:id', '200') >= 1, 'the card read, by its pattern');
    assert.ok(answers('POST /events/:id/registrations', '201') >= 1);
    assert.ok(answers('POST /matchmake/:method/:roomName', '200') >= 3, 'joins: setup session, lobby, event');
    assert.ok((await metricValue(node, /^kismet_http_request_duration_seconds_count\{[^}]*route="GET \/cards\/:id"/)) >= 1, 'its time, by the same pattern');
    assert.ok(!families.get('kismet_http_requests_total')?.metrics.some((m) => m.labels?.['route']?.includes(watcher.card.id)), 'no path becomes a label');

    await Promise.all(watching.map(disconnect));
    await waitUntil(async () => (await connections()) === before, 10_000, () => 'both uncounted once gone');
  });

  it('keeps the monitor panel behind the operator login', async () => {
    const get = (path: string, authorization?: string) =>
      fetch(`${node.url}${path}`, { headers: authorization ? { authorization } : {} });
    for (const [what, authorization] of [
      ['no credentials', undefined],
      ['wrong password', basic(OPERATOR_USER, 'guess')],
      ['wrong user', basic('root', ADMIN_KEY)],
      ['the key as a bearer token', `Bearer ${ADMIN_KEY}`],
    ] as const) {
      const refused = await get('/monitor/api', authorization);
      assert.equal(refused.status, 401, what);
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Basic/, what);
    }
    assert.equal((await get('/monitor/', undefined)).status, 401);
    const allowed = await get('/monitor/api', basic(OPERATOR_USER, ADMIN_KEY));
    assert.equal(allowed.status, 200);
    const body = (await allowed.json()) as { rooms: Array<{ name: string }>; connections: number };
    assert.ok(body.rooms.some((r) => r.name === 'session'), JSON.stringify(body));
  });

  it('does not serve the monitor panel at all without an operator key', async () => {
    const response = await fetch(`${bare.url}/monitor/api`, { headers: { authorization: basic(OPERATOR_USER, '') } });
    assert.deepEqual([response.status, ((await response.json()) as { code: string }).code], [404, 'NOT_FOUND']);
  });

  it('answers an unknown path with NOT_FOUND, whatever the method', async () => {
    for (const [method, path] of [['GET', '/no/such/route'], ['POST', '/nope'], ['DELETE', '/cards'], ['GET', '/']]) {
      const response = await fetch(`${node.url}${path}`, { method });
      assert.deepEqual([response.status, ((await response.json()) as { code: string }).code], [404, 'NOT_FOUND'], `${method} ${path}`);
    }
  });
});
