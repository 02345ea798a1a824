import assert from 'node:assert/strict';
import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../../contracts/liveEvents';
import { COMMAND_RULES, HTTP_RULES, LOGIN_RULES, MAX_CONNECTIONS_PER_ACTOR } from '../../domain/rateLimits';
import type { TokenPair } from '../../contracts/auth';
import { OPERATOR_USER } from '../../server/http/routerEndpoints';
import { command, connectDevice, disconnect, expectJoinRefused, joinActor, matchmakeCode, postJson, registerUser, requestJson, TEST_PASSWORD, uniqueEmail, waitUntil } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { codeOf, joinThread, matchPeople, registerPerson, replyOf } from '../support/matches';
import { scheduleEvent } from '../support/liveEvents';
import { ADMIN_KEY } from '../support/operator';
import { rawRequest } from '../support/rawHttp';

const PANEL_ORIGIN = 'https://ops.kismet.example';

/** Sends `count` commands as fast as they go and tallies the answers' codes. */
async function flood(room: Parameters<typeof command>[0], count: number, type: string, payload: (i: number) => Record<string, unknown>): Promise<Map<string, number>> {
  const codes = await Promise.all(Array.from({ length: count }, (_, i) => command(room, type, payload(i)).then(codeOf)));
  const tally = new Map<string, number>();
  for (const code of codes) tally.set(code, (tally.get(code) ?? 0) + 1);
  return tally;
}

describe('security: limits on what one person can make others pay for', function () {
  // Production's limits (the harness lifts the registration throttle; here it stands), the tests' loopback for the proxy in front.
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY, RATE_LIMITS: '', TRUSTED_PROXIES: '127.0.0.1', MONITOR_ORIGINS: PANEL_ORIGIN });
  /** Requests as if from one client address, as the proxy in front would say. */
  const from = (address: string) => ({ 'x-forwarded-for': address });

  /** `count` registrations one after another, alternating nodes, the i-th from `addressOf(i)`: their statuses. */
  const registrations = async (count: number, addressOf: (i: number) => string) => {
    const statuses = [];
    for (let i = 0; i < count; i++) {
      statuses.push((await postJson<TokenPair>(suite.nodes[i % 2]!.url, '/auth/register', { email: uniqueEmail(), password: TEST_PASSWORD }, from(addressOf(i)))).status);
    }
    return statuses;
  };
  /** A POST as if from one client address, as the proxy in front would say: its status. */
  type Send = (url: string, path: string, body: unknown, address: string) => Promise<number>;
  const sendFrom: Send = async (url, path, body, address) => (await postJson(url, path, body, from(address))).status;
  /** A stranger guesses an owner's password a few times more than the account's bucket, the i-th guess from `guesserAt(i)`; then the owner logs in from `home`. */
  const guessesThenOwner = async (home: string, guesserAt: (i: number) => string, send = sendFrom) => {
    const [n0, n1] = suite.nodes;
    const email = uniqueEmail('owner');
    assert.equal(await send(n0.url, '/auth/register', { email, password: TEST_PASSWORD }, home), 201);
    const guesses = [];
    for (let i = 0; i < LOGIN_RULES['login.account'].burst + 3; i++) {
      guesses.push(await send(suite.nodes[i % 2]!.url, '/auth/login', { email, password: `wrong guess ${i}` }, guesserAt(i)));
    }
    return { guesses, owner: await send(n1.url, '/auth/login', { email, password: TEST_PASSWORD }, home) };
  };

  it('throttles registration per address, and an account’s failed log-ins per address, so a stranger never locks out its owner', async () => {
    const burst = LOGIN_RULES['register.address'].burst;
    assert.deepEqual(await registrations(burst + 2, () => '203.0.113.7'), [...Array(burst).fill(201), 429, 429], 'one address, over both nodes');
    assert.deepEqual(await registrations(1, () => '203.0.113.8'), [201], 'another address');

    const { guesses, owner } = await guessesThenOwner('198.51.100.2', () => '203.0.113.66');
    assert.ok(guesses.includes(429), `the stranger is throttled: ${guesses}`);
    assert.equal(owner, 200, 'the owner, from their own address, logs in');
  });

  it('reads X-Forwarded-For sent on several lines as one list, so a client behind two proxies keeps its own address', async () => {
    // The outer proxy (here 127.0.0.1, trusted) wrote the client's line, the inner one a line of its own naming the outer.
    const throughTwo: Send = async (url, path, body, address) =>
      (await rawRequest(url, 'POST', path, { headers: { 'content-type': 'application/json', 'x-forwarded-for': [address, '127.0.0.1'] }, body: JSON.stringify(body) })).status;
    const { guesses, owner } = await guessesThenOwner('198.51.100.90', () => '203.0.113.90', throughTwo);
    assert.deepEqual(guesses.slice(LOGIN_RULES['login.account'].burst), [429, 429, 429], `the guesser is throttled: ${guesses}`);
    assert.equal(owner, 200, 'the owner, behind the same proxies, logs in');
  });

  it('counts an IPv6 client’s whole /64 as one address for registrations and log-ins, so changing its source address gains nothing', async () => {
    const burst = LOGIN_RULES['register.address'].burst;
    // A new source address in the same /64 for each, written as proxies may write them.
    const inOne64 = (i: number) => (i % 3 ? `2001:db8:7::${(i + 1).toString(16)}` : `2001:0db8:0007:0000:${i + 1}:0:0:1`);
    assert.deepEqual(await registrations(burst + 2, inOne64), [...Array(burst).fill(201), 429, 429], 'one /64, over both nodes');
    assert.deepEqual(await registrations(1, () => '2001:db8:7:1::1'), [201], 'the next /64 is another address');

    const { guesses, owner } = await guessesThenOwner('2001:db8:9::2', (i) => `2001:db8:66::${(i + 1).toString(16)}`);
    assert.deepEqual(guesses.slice(LOGIN_RULES['login.account'].burst), [429, 429, 429], `the guesser is throttled across its /64: ${guesses}`);
    assert.equal(owner, 200, 'the owner, from their own /64, logs in');
  });

  it('throttles refreshes and log-outs per address before any token is looked up, while another address refreshes', async () => {
    const [n0, n1] = suite.nodes;
    const { perSecond, burst } = LOGIN_RULES['refresh.address'];
    const send = async (url: string, path: '/auth/refresh' | '/auth/logout', refreshToken: string, address: string) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...from(address) },
        body: JSON.stringify({ refreshToken }),
      });
      const body = (await response.json()) as { code?: string; retryAfterMs?: number };
      return { status: response.status, code: body.code, retryAfterMs: body.retryAfterMs, retryAfter: response.headers.get('retry-after') };
    };
    const registered = await postJson<TokenPair>(n0.url, '/auth/register', { email: uniqueEmail(), password: TEST_PASSWORD }, from('198.51.100.40'));
    assert.equal(registered.status, 201);

    // Guessed tokens from one address, as fast as they go, refreshes and log-outs over both nodes.
    const guesses = burst + 100;
    const pathOf = (i: number) => (i % 4 < 2 ? '/auth/refresh' : '/auth/logout');
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: guesses }, (_, i) => send(i % 2 ? n1.url : n0.url, pathOf(i), `guess-${i}`, '203.0.113.120')));
    const earned = Math.ceil(((Date.now() - started) / 1000) * perSecond);
    // A refresh of a token that is nobody's is invalid; a log-out of one is fine (logging out twice is).
    const looked = answers.filter((a, i) => (pathOf(i) === '/auth/refresh' ? a.code === 'REFRESH_TOKEN_INVALID' : a.status === 200));
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(looked.length + refused.length, guesses, `statuses: ${[...new Set(answers.map((a) => a.status))]}`);
    assert.ok(looked.length <= burst + earned, `${looked.length} guesses looked up`);
    assert.ok(refused.length > 0, 'the flood is cut');
    for (const answer of refused) {
      assert.equal(answer.code, 'RATE_LIMITED');
      assert.equal(answer.retryAfter, String(Math.ceil(answer.retryAfterMs! / 1000)));
    }
    assert.ok(answers.some((a, i) => a.status === 429 && pathOf(i) === '/auth/logout'), 'log-outs spend the same bucket');

    // Other addresses are not held back: the owner's refresh goes through, another's guess is looked up.
    const rotated = await send(n1.url, '/auth/refresh', registered.body.refreshToken, '198.51.100.40');
    assert.equal(rotated.status, 200);
    assert.equal((await send(n0.url, '/auth/refresh', 'guess-y', '198.51.100.41')).code, 'REFRESH_TOKEN_INVALID');
  });

  it('keeps a removed attendee out of the event, on either node', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const pest = await registerUser(n1.url);
    assert.equal((await requestJson(n1.url, 'POST', `/events/${eventId}/registrations`, { token: pest.accessToken })).status, 201);
    const join = (url: string, user: TokenPair) => joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    const host = await join(n0.url, recruiter);
    const attendee = await join(n0.url, pest);
    suite.open.push(host, attendee);
    const closed = new Promise<number>((resolve) => attendee.room.onLeave(resolve));
    replyOf(await command(host.room, 'remove', { alias: attendee.ready.alias }));
    assert.equal(await closed, 4506);
    for (const url of [n0.url, n1.url]) assert.equal(await expectJoinRefused(join(url, pest)), 'REMOVED_FROM_EVENT', url);
  });

  it('limits each person’s event chat, hands, typing, location updates and decks, whatever they send', async () => {
    const [n0, n1] = suite.nodes;
    const { recruiter, eventId } = await scheduleEvent(n0.url, 10);
    const [loud, listener] = await Promise.all([registerUser(n1.url), registerUser(n0.url)]);
    for (const user of [loud, listener]) assert.equal((await requestJson(n0.url, 'POST', `/events/${eventId}/registrations`, { token: user.accessToken })).status, 201);
    const join = (url: string, user: TokenPair) => joinActor<LiveEventReady>(url, user.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    const [host, loudConnection, listening] = [await join(n0.url, recruiter), await join(n1.url, loud), await join(n0.url, listener)];
    suite.open.push(host, loudConnection, listening);

    const says = await flood(loudConnection.room, 100, 'say', (i) => ({ text: `spam ${i}` }));
    const allowedSays = says.get('ok') ?? 0;
    assert.ok(allowedSays <= COMMAND_RULES['event.chat'].burst + 2 && (says.get('RATE_LIMITED') ?? 0) > 0, `say: ${[...says]}`);
    const hands = await flood(loudConnection.room, 60, 'hand.raise', () => ({}));
    assert.ok((hands.get('ok') ?? 0) <= COMMAND_RULES['event.hand'].burst + 2, `hands: ${[...hands]}`);
    // The audience heard no more than was let through.
    await waitUntil(() => listening.received.filter((m) => m.type === LiveEventMessageType.CHAT).length >= allowedSays);
    assert.equal(listening.received.filter((m) => m.type === LiveEventMessageType.CHAT).length, allowedSays);

    const phone = await connectDevice(n0.url, loud, 'phone');
    suite.open.push(phone);
    const moves = await flood(phone.room, 40, 'location.update', (i) => ({ lat: 12.9 + i * 0.01, lng: 77.6 }));
    assert.ok((moves.get('ok') ?? 0) <= COMMAND_RULES.location.burst + 1 && (moves.get('RATE_LIMITED') ?? 0) > 0, `location: ${[...moves]}`);
    const decks = await flood(phone.room, 80, 'deck', () => ({ cardId: '00000000-0000-4000-8000-000000000000' }));
    assert.ok((decks.get('RATE_LIMITED') ?? 0) > 0, `deck: ${[...decks]}`);
  });

  it('offers the monitor panel’s API to the configured origins alone, and changes nothing through a GET', async () => {
    const [n0] = suite.nodes;
    const basic = `Basic ${Buffer.from(`${OPERATOR_USER}:${ADMIN_KEY}`).toString('base64')}`;
    const evil = await rawRequest(n0.url, 'GET', '/monitor/api', { headers: { origin: 'https://evil.example', authorization: basic } });
    assert.equal(evil.status, 200);
    assert.equal(evil.headers['access-control-allow-origin'], undefined, 'no CORS for another origin');
    const preflight = await rawRequest(n0.url, 'OPTIONS', '/monitor/api', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    const panel = await rawRequest(n0.url, 'GET', '/monitor/api', { headers: { origin: PANEL_ORIGIN, authorization: basic } });
    assert.equal(panel.headers['access-control-allow-origin'], PANEL_ORIGIN);

    // The panel's "call a room method" was a GET any page could make the operator's browser send.
    const victim = await registerUser(n0.url);
    const device = await connectDevice(n0.url, victim, 'phone');
    suite.open.push(device);
    const call = await rawRequest(n0.url, 'GET', `/monitor/api/room/call?roomId=session_${victim.userId}&method=disconnect&args=%5B%5D`, { headers: { authorization: basic } });
    assert.notEqual(call.headers['content-type'], 'application/json', `not the API: ${call.status} ${call.body.slice(0, 80)}`);
    assert.equal(codeOf(await command(device.room, 'heartbeat')), 'ok', 'the session is still there');
  });
});

describe('security: limits on what one signed-in account can make the deployment do', function () {
  // Production's limits on what a signed-in person does (the harness lifts only the registration throttle).
  const suite = useTestCluster(2);

  it('limits each person’s HTTP calls on both nodes together, and their exports further', async () => {
    const [n0, n1] = suite.nodes;
    const [scraper, neighbour] = await Promise.all([registerUser(n0.url), registerUser(n1.url)]);
    const exportOn = (url: string) => requestJson<{ code?: string }>(url, 'GET', '/me/export', { token: scraper.accessToken });
    const exports = [];
    for (let i = 0; i < HTTP_RULES['account.export'].burst + 2; i++) exports.push(await exportOn(i % 2 ? n1.url : n0.url));
    assert.deepEqual(exports.map((r) => r.status), [...Array(HTTP_RULES['account.export'].burst).fill(200), 429, 429]);
    assert.equal(exports.at(-1)?.body.code, 'RATE_LIMITED');

    const calls = HTTP_RULES.request.burst + 40;
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: calls }, (_, i) => requestJson(i % 2 ? n1.url : n0.url, 'GET', '/me/progress', { token: scraper.accessToken }).then((r) => r.status)),
    );
    const ok = statuses.filter((status) => status === 200).length;
    // The bucket, less the exports' calls, and what it earned back while the calls ran.
    const earned = Math.ceil(((Date.now() - started) / 1000) * HTTP_RULES.request.perSecond);
    assert.ok(ok <= HTTP_RULES.request.burst + earned && statuses.filter((status) => status === 429).length === calls - ok, `${ok} of ${calls} answered`);
    assert.ok(ok >= HTTP_RULES.request.burst - exports.length - 1, `${ok} answered`);
    assert.equal((await requestJson(n1.url, 'GET', '/me/progress', { token: neighbour.accessToken })).status, 200, 'another person is not limited');
  });

  it('limits a person’s reports on both nodes together: past their bucket RATE_LIMITED, and nothing stored', async () => {
    const [n0, n1] = suite.nodes;
    const burst = HTTP_RULES.report.burst;
    const reporter = await registerUser(n0.url);
    // Each reported person has a card, the report's context.
    const reported = await Promise.all(Array.from({ length: burst + 2 }, (_, i) => registerPerson(suite.nodes[i % 2]!.url, `R${i}`)));
    const answers = [];
    for (const [i, person] of reported.entries()) {
      const body = { userId: person.userId, context: 'profile', contextId: person.card.id, reason: `rude ${i}` };
      answers.push(await requestJson<{ code?: string }>(i % 2 ? n1.url : n0.url, 'POST', '/reports', { token: reporter.accessToken, body }));
    }
    assert.deepEqual(answers.map((a) => a.status), [...Array(burst).fill(201), 429, 429]);
    assert.equal(answers.at(-1)?.body.code, 'RATE_LIMITED');
    const stored = await suite.cluster.pool.query('select count(*)::int as n from reports where reporter_id = $1', [reporter.userId]);
    assert.equal(stored.rows[0].n, burst);
    // Its own bucket: the person's other calls go on.
    assert.equal((await requestJson(n1.url, 'GET', '/me/progress', { token: reporter.accessToken })).status, 200);
  });

  it('refuses a person’s connections to one actor past the limit, through either node, and takes one again once one closes', async () => {
    const [n0, n1] = suite.nodes;
    const [a, b, c] = await Promise.all([registerPerson(n0.url, 'A'), registerPerson(n1.url, 'B'), registerUser(n0.url)]);
    const via = (i: number) => (i % 2 ? n1.url : n0.url);
    const sessions = [];
    for (let i = 0; i < MAX_CONNECTIONS_PER_ACTOR; i++) sessions.push(await connectDevice(via(i), c, `tab-${i}`));
    suite.open.push(...sessions);
    assert.equal(await expectJoinRefused(connectDevice(n1.url, c, 'one-more')), 'CONNECTION_LIMIT_REACHED', 'the session');
    const matchId = await matchPeople(a, b, [n0.url, n1.url]);
    const threads = [];
    for (let i = 0; i < MAX_CONNECTIONS_PER_ACTOR; i++) threads.push(await joinThread(via(i), a, matchId));
    suite.open.push(...threads);
    assert.equal(await expectJoinRefused(joinThread(n0.url, a, matchId)), 'CONNECTION_LIMIT_REACHED', 'the thread');
    // Another person is not held back by it.
    suite.open.push(await joinThread(n1.url, b, matchId), await connectDevice(n0.url, b, 'phone'));
    await disconnect(sessions[0]!);
    let again: Awaited<ReturnType<typeof connectDevice>> | undefined;
    await waitUntil(async () => (again = await connectDevice(n1.url, c, 'tab-0').catch(() => undefined)) !== undefined, 10_000, () => 'a join once one closed');
    suite.open.push(again!);
  });

  it('counts a person’s joins to an event while their seat is being claimed, so joins at the same moment stay within the limit', async () => {
    const [n0, n1] = suite.nodes;
    const { eventId } = await scheduleEvent(n0.url, 10);
    const person = await registerUser(n1.url);
    assert.equal((await requestJson(n1.url, 'POST', `/events/${eventId}/registrations`, { token: person.accessToken })).status, 201);
    const join = (url: string) => joinActor<LiveEventReady>(url, person.accessToken, LIVE_EVENT_ROOM, { eventId }, LiveEventMessageType.READY);
    const tries = MAX_CONNECTIONS_PER_ACTOR + 10;
    const joined: Array<Awaited<ReturnType<typeof join>>> = [];
    // Holds the seat's claim (it locks the event's row), so every join of the burst arrives while it is pending.
    const blocker = await suite.cluster.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from events where id = $1 for update', [eventId]);
      const outcomes: string[] = [];
      const joins = Array.from({ length: tries }, (_, i) =>
        join(i % 2 ? n1.url : n0.url).then(
          (attendee) => {
            suite.open.push(attendee);
            joined.push(attendee);
            outcomes.push('joined');
          },
          (error: unknown) => outcomes.push(matchmakeCode(error) ?? String(error)),
        ),
      );
      // The joins past the limit are refused while the first seat is still being claimed: the ones waiting for it count.
      await waitUntil(() => outcomes.length >= tries - MAX_CONNECTIONS_PER_ACTOR, 20_000, () => `refusals while the seat is claimed: ${outcomes.join(', ')}`);
      assert.deepEqual(outcomes, Array(tries - MAX_CONNECTIONS_PER_ACTOR).fill('CONNECTION_LIMIT_REACHED'));
      await blocker.query('commit');
      await Promise.all(joins);
      assert.equal(joined.length, MAX_CONNECTIONS_PER_ACTOR, outcomes.join(', '));
    } finally {
      await blocker.query('rollback'); // after the commit, a no-op
      blocker.release();
    }
    // Once admitted they count as connections alone: one closed, a join is taken again.
    await disconnect(joined[0]!);
    let again: Awaited<ReturnType<typeof join>> | undefined;
    await waitUntil(async () => (again = await join(n1.url).catch(() => undefined)) !== undefined, 10_000, () => 'a join once one closed');
    suite.open.push(again!);
  });
});
