import assert from 'node:assert/strict';
import type { Request, Route, WebSocket } from 'playwright-core';
import { actorRoomId } from '../../contracts/actors';
import { OPERATOR_USER } from '../../server/http/routerEndpoints';
import { waitUntil } from '../support/accounts';
import { matchPeople, registerPerson, type Person as Account } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { TcpProxy } from '../support/tcpProxy';
import { keptOf, on, signIn, useWebAppStage, type WebPerson } from '../support/webAppDriver';

/** A person's problems but the requests the network failed (which the tests make it do). */
function beyondTheNetwork(person: WebPerson): string[] {
  return person.problems.filter((problem) => !problem.includes(' net::ERR_'));
}

/** How long the app may take to give up a send (five tries, each waiting up to 10 s for the thread to come back). */
const GIVE_UP_MS = 120_000;

describe('the reference web app when the network fails or the person moves fast', function () {
  const stage = useWebAppStage({ ADMIN_API_KEY: ADMIN_KEY });
  /** Between one person's browser and the node, to cut them off. */
  let proxy: TcpProxy | undefined;
  before(async () => {
    proxy = await TcpProxy.start(stage.node.port);
  });
  afterEach(() => proxy?.restore());
  after(() => proxy?.close());

  const proxied = () => `http://127.0.0.1:${proxy!.port}`;

  /**
   * `account` signed in through the app the node serves, reached at `server` (the node, or the
   * proxy in front of it), knowing its `matches` already (as a returning browser does, so no
   * "It's a match!" covers the screen).
   */
  const signedIn = async (name: string, account: Account, server: string, matches: ReadonlyArray<{ matchId: string; other: Account }>): Promise<WebPerson> => {
    const person = await stage.people.open(name, `${server}/app/`);
    const known = matches.map((m) => ({ matchId: m.matchId, otherUserId: m.other.userId, otherCardId: m.other.card.id, name: m.other.card.title }));
    await person.page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [`kismet.matches.${account.userId}`, JSON.stringify(known)]);
    await signIn(person, account.email);
    return person;
  };

  const openChatWith = async (person: WebPerson, name: string) => {
    await on(person, 'tab-matches').click();
    await on(person, 'match-row', name).click();
    await on(person, 'message-input').waitFor();
  };

  /** The node's connections to each actor, as the operator's monitor lists them. */
  const connectionsTo = async (...roomIds: string[]): Promise<number[]> => {
    const response = await fetch(`${stage.node.url}/monitor/api`, {
      headers: { authorization: `Basic ${Buffer.from(`${OPERATOR_USER}:${ADMIN_KEY}`).toString('base64')}` },
    });
    const { rooms } = (await response.json()) as { rooms: Array<{ roomId: string; clients: number }> };
    return roomIds.map((id) => rooms.find((r) => r.roomId === id)?.clients ?? 0);
  };
  const untilConnections = async (roomIds: string[], expected: number[]) => {
    let seen: number[] = [];
    await waitUntil(async () => (seen = await connectionsTo(...roomIds)).join() === expected.join(), 30_000,
      () => `${JSON.stringify(expected)} connections to ${roomIds.join(', ')}; have ${JSON.stringify(seen)}`);
  };

  it('shows a message once when its acknowledgement was lost and the person resends it', async () => {
    const [adaAccount, boAccount] = await Promise.all([registerPerson(stage.node.url, 'Ada'), registerPerson(stage.node.url, 'Bo')]);
    const matchId = await matchPeople(adaAccount, boAccount, [stage.node.url, stage.node.url]);
    const ada = await signedIn('Ada', adaAccount, proxied(), [{ matchId, other: boAccount }]);
    const bo = await signedIn('Bo', boAccount, stage.node.url, [{ matchId, other: adaAccount }]);
    await openChatWith(ada, 'Bo');
    await openChatWith(bo, 'Ada');

    // The node stores Ada's message, but its answer never reaches her: her connection drops first, and stays down.
    proxy!.holdReplies();
    await on(ada, 'message-input').fill('Are you there?');
    await on(ada, 'send').click();
    await on(bo, 'message', 'Are you there?').waitFor();
    proxy!.cut();

    // The app gives up after its own tries: the message shows as not sent. The person resends it, and the network comes back.
    await on(ada, 'resend').waitFor({ timeout: GIVE_UP_MS });
    await on(ada, 'resend').click();
    proxy!.restore();
    await ada.page.waitForFunction(
      (text) => document.querySelectorAll('.unsent').length === 0 && Array.from(document.querySelectorAll('[data-test="message"][data-seq]')).some((m) => m.textContent?.includes(text)),
      'Are you there?',
      { timeout: GIVE_UP_MS },
    );

    const count = (person: WebPerson) => person.page.locator('[data-test="message"]', { hasText: 'Are you there?' }).count();
    // The thread's history (Bo opens the chat again), Bo's live view and Ada's hold it once.
    assert.equal(await count(ada), 1, 'Ada sees it once');
    assert.equal(await count(bo), 1, 'Bo saw it live once');
    await on(bo, 'tab-matches').click();
    await openChatWith(bo, 'Ada');
    await on(bo, 'message', 'Are you there?').waitFor();
    assert.equal(await count(bo), 1, 'the history holds it once');
    assert.deepEqual([...beyondTheNetwork(ada), ...bo.problems], []);
  });

  it('keeps one thread connection when the person opens chats fast, and none once they leave the chat', async () => {
    const [adaAccount, boAccount, cyAccount] = await Promise.all([registerPerson(stage.node.url, 'Ada'), registerPerson(stage.node.url, 'Bo'), registerPerson(stage.node.url, 'Cy')]);
    const withBo = await matchPeople(adaAccount, boAccount, [stage.node.url, stage.node.url]);
    const withCy = await matchPeople(adaAccount, cyAccount, [stage.node.url, stage.node.url]);
    const ada = await signedIn('Ada', adaAccount, stage.node.url, [{ matchId: withBo, other: boAccount }, { matchId: withCy, other: cyAccount }]);
    const threads = [actorRoomId('chat', withBo), actorRoomId('chat', withCy)];

    // The joins hang until all three are asked for (a slow network), so each click comes while the one before is joining.
    const held: Route[] = [];
    let holding = true;
    await ada.page.route('**/matchmake/**/chat', (route) => (holding ? void held.push(route) : route.continue()));
    const joined = new Set<WebSocket>();
    ada.page.on('websocket', (socket) => {
      if (threads.some((id) => socket.url().includes(id))) socket.on('framereceived', () => joined.add(socket));
    });
    await on(ada, 'tab-matches').click();
    for (const [name, asked] of [['Bo', 1], ['Cy', 2], ['Bo', 3]] as const) {
      await on(ada, 'match-row', name).click();
      await waitUntil(() => held.length >= asked, 30_000, () => `join ${asked} asked for`);
    }
    holding = false;
    for (const route of held) await route.continue();
    await waitUntil(() => joined.size === 3, 30_000, () => `three joins; have ${joined.size}`);

    // Bo's chat shows, and the node holds Ada in his thread once and in Cy's not at all.
    await on(ada, 'chat').waitFor();
    assert.deepEqual(await ada.page.locator('[data-test="chat"] .who strong').allTextContents(), ['Bo']);
    await untilConnections(threads, [1, 0]);
    await on(ada, 'tab-discover').click();
    await untilConnections(threads, [0, 0]);
    assert.deepEqual(ada.problems, []);
  });

  it('signs out at once while the node cannot be reached: tokens and cached matches gone, the sign-in screen shown', async () => {
    const [adaAccount, boAccount] = await Promise.all([registerPerson(stage.node.url, 'Ada'), registerPerson(stage.node.url, 'Bo')]);
    const matchId = await matchPeople(adaAccount, boAccount, [stage.node.url, stage.node.url]);
    const ada = await signedIn('Ada', adaAccount, proxied(), [{ matchId, other: boAccount }]);
    assert.equal((await keptOf(ada)).length, 2, 'tokens and matches kept while signed in');
    await on(ada, 'tab-profile').click();

    // Nothing reaches the node any more, and nothing comes back: not even a reset.
    proxy!.blackhole();
    const logout: Request[] = [];
    const settled = new Set<Request>();
    ada.page.on('request', (request) => request.url().endsWith('/auth/logout') && logout.push(request));
    ada.page.on('requestfinished', (request) => settled.add(request));
    ada.page.on('requestfailed', (request) => settled.add(request));
    await on(ada, 'sign-out').click();
    await on(ada, 'email').waitFor();
    assert.deepEqual(await keptOf(ada), []);
    assert.equal(logout.length, 1, 'the logout was sent');
    assert.equal(settled.has(logout[0]!), false, 'the sign-in screen did not wait for the logout');

    // The node is back: the person signs in again on the same page.
    proxy!.restore();
    await signIn(ada, adaAccount.email);
    assert.deepEqual(beyondTheNetwork(ada), []);
  });

  it('leaves, as soon as it has joined, a session rejoin under way when the person signed out with the node down', async () => {
    const account = await registerPerson(stage.node.url, 'Ada');
    const ada = await signedIn('Ada', account, proxied(), []);
    await on(ada, 'tab-profile').click();
    // The node goes down; the session's rejoin then hangs on its way (a slow network) while she signs out.
    const held: Route[] = [];
    await ada.page.route('**/matchmake/**/session', (route) => void held.push(route));
    proxy!.cut();
    await waitUntil(() => held.length === 1, 30_000, () => 'the session rejoining');
    await on(ada, 'sign-out').click();
    await on(ada, 'email').waitFor();
    assert.deepEqual(await keptOf(ada), []);

    // The node is back and the join goes through: its socket is closed at once, and the node holds none of hers.
    const sockets: WebSocket[] = [];
    ada.page.on('websocket', (socket) => sockets.push(socket));
    proxy!.restore();
    await held[0]!.continue();
    await waitUntil(() => sockets.length === 1, 30_000, () => 'the rejoin connecting');
    if (!sockets[0]!.isClosed()) await sockets[0]!.waitForEvent('close');
    await untilConnections([actorRoomId('session', account.userId)], [0]);
    assert.deepEqual(beyondTheNetwork(ada), []);
  });
});
