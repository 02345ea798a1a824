import assert from 'node:assert/strict';
import { KismetClient, KismetError, memoryStore, webStorageStore, type CardView, type ChatMessage, type KismetSession, type KismetThread } from '../../client/index';
import type { NodeHandle } from '../../loadtest/harness/nodeProcess';
import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import { AccessTokenService } from '../../server/auth/accessTokens';
import { startNodeProcess } from '../../loadtest/harness/nodeProcess';
import { TEST_PASSWORD, uniqueEmail, waitUntil } from '../support/accounts';
import { BACKENDS } from '../support/backends';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { SHARED_PROFILE } from '../support/discovery';

/** A person as an app makes one with the client: an account, a card, a connected device. */
interface ClientPerson {
  readonly kismet: KismetClient;
  readonly card: CardView;
  readonly session: KismetSession;
}

async function person(urls: readonly string[], name: string, ackDelayMs = 50): Promise<ClientPerson> {
  const kismet = new KismetClient({ url: urls, ackDelayMs });
  await kismet.register(uniqueEmail(name), TEST_PASSWORD);
  const card = await kismet.api<CardView>('POST', '/cards', { kind: 'person', title: name, birthYear: 1994, ...SHARED_PROFILE });
  return { kismet, card, session: await kismet.connect('phone') };
}

/** Both like each other; the match id. */
async function match(a: ClientPerson, b: ClientPerson): Promise<string> {
  await a.session.request('swipe', { fromCardId: a.card.id, toCardId: b.card.id, action: 'like' });
  const second = await b.session.request('swipe', { fromCardId: b.card.id, toCardId: a.card.id, action: 'like' });
  assert.equal(second.matched, true);
  return second.matchId!;
}

async function refusalOf(promise: Promise<unknown>): Promise<KismetError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof KismetError, String(error));
    return error;
  }
  throw new Error('expected a refusal');
}

describe('@kismet/client against a node', function () {
  let node: NodeHandle | undefined;
  let teardown: () => Promise<void> = async () => {};
  const open: Array<{ close(): Promise<void> }> = [];

  before(async function () {
    const setup = await BACKENDS[0]!.setup(this);
    teardown = setup!.teardown;
    // No grace for a retried refresh: a spent token the client presents twice ends the session, as the tests check it never does.
    node = await startNodeProcess({ ...setup!.env, REFRESH_REUSE_GRACE_MS: '0' });
  });

  after(async () => {
    await Promise.all(open.map((o) => o.close().catch(() => undefined)));
    await node?.stop();
    await teardown();
  });

  it('holds a request made as its socket drops, before it hears of it, and sends it once rejoined', async () => {
    const [ada, bo] = await Promise.all([person([node!.url], 'ada-drop'), person([node!.url], 'bo-drop')]);
    open.push(ada.session, bo.session);
    // Dropped under it (as when its node dies): the socket is no longer open, and its close not yet read.
    (ada.session.connection.room!.connection.transport as unknown as { ws: { terminate(): void } }).ws.terminate();
    const result = await ada.session.request('swipe', { fromCardId: ada.card.id, toCardId: bo.card.id, action: 'pass' });
    assert.equal(result.matched, false);
    assert.equal(ada.session.connection.joins, 2, 'sent on the connection that replaced the dropped one');
  });

  it('logs in, refreshes, and calls routes with a fresh token', async () => {
    const email = uniqueEmail('login');
    const kismet = new KismetClient({ url: node!.url });
    await kismet.register(email, TEST_PASSWORD);
    const again = new KismetClient({ url: node!.url });
    const first = await again.login(email, TEST_PASSWORD);
    const refreshed = await again.auth.refresh();
    assert.notEqual(refreshed.refreshToken, first.refreshToken);
    assert.equal(refreshed.userId, first.userId);
    assert.deepEqual(await again.api('GET', '/me/cards'), { cards: [], after: null });
    assert.equal((await refusalOf(again.login(email, 'wrong password'))).code, 'INVALID_CREDENTIALS');
  });

  it('shares one sign-in between the tabs of a browser: their refreshes take turns, and one takes the pair another got', async () => {
    // localStorage, which a browser's tabs share, and a Web Lock manager as a browser has it.
    const items = new Map<string, string>();
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
    let queue: Promise<unknown> = Promise.resolve();
    const locks = {
      request: (_name: string, work: () => Promise<unknown>) => {
        const turn = queue.then(work);
        queue = turn.catch(() => undefined);
        return turn;
      },
    } as unknown as LockManager;
    const signedIn = new KismetClient({ url: node!.url, tokens: webStorageStore(storage, 'kismet.tokens', locks) });
    await signedIn.register(uniqueEmail('tabs'), TEST_PASSWORD);
    const expire = () => items.set('kismet.tokens', JSON.stringify({ ...JSON.parse(items.get('kismet.tokens')!), expiresAt: 0 }));

    // Two tabs whose access token has run out refresh at the same moment.
    expire();
    const tabs = [0, 1].map(() => new KismetClient({ url: node!.url, tokens: webStorageStore(storage, 'kismet.tokens', locks) }));
    await Promise.all(tabs.map((tab) => tab.api('GET', '/me/progress')));
    // Without a lock (a browser without Web Locks), a tab that comes later takes the pair stored meanwhile.
    expire();
    const [early, late] = [0, 1].map(() => new KismetClient({ url: node!.url, tokens: webStorageStore(storage, 'kismet.tokens', undefined) })) as [KismetClient, KismetClient];
    const stored = await early.auth.refresh();
    assert.equal((await late.auth.refresh()).refreshToken, stored.refreshToken, 'the pair the other tab got');
    // The session lives on in every tab: nothing spent was presented twice.
    for (const tab of [...tabs, early, late]) assert.ok(await tab.api('GET', '/me/progress'));
    assert.ok(await late.auth.refresh());

    // Signed out in one tab, and someone else signed in there: a tab still open never takes their pair.
    const stale = new KismetClient({ url: node!.url, tokens: webStorageStore(storage, 'kismet.tokens', locks) });
    await early.logout();
    const other = new KismetClient({ url: node!.url, tokens: webStorageStore(storage, 'kismet.tokens', locks) });
    await other.register(uniqueEmail('tabs-other'), TEST_PASSWORD);
    const refusal = await refusalOf(stale.auth.refresh());
    assert.equal(refusal.code, 'TOKEN_MISSING');
    assert.equal(stale.auth.userId, undefined, 'signed out, not someone else');
    assert.equal(JSON.parse(items.get('kismet.tokens')!).userId, other.auth.userId, 'the other person stays signed in');
  });

  it('forgets a sign-in the node ended, and says so once: its session closed (4502), its token refused on a route or a join', async () => {
    const store = memoryStore();
    const signedIn = new KismetClient({ url: node!.url, tokens: store });
    await signedIn.register(uniqueEmail('ended'), TEST_PASSWORD);
    const [pair, userId] = [store.load()!, signedIn.userId!];
    const ended: string[] = [];
    signedIn.onSignInEnded((id) => ended.push(id));
    open.push(await signedIn.connect('phone'));
    // The same log-in signs out elsewhere (another tab with these tokens): the node closes this session with 4502.
    const copy = memoryStore();
    copy.save(pair);
    await new KismetClient({ url: node!.url, tokens: copy }).logout();
    await waitUntil(() => ended.length > 0, 10_000, () => 'the sign-in ended');
    assert.deepEqual(ended, [userId]);
    assert.equal(store.load(), undefined);
    assert.equal(signedIn.userId, undefined);
    // A device that kept the revoked tokens learns of it at its first call, a route or a join.
    for (const attempt of [(c: KismetClient) => c.api('GET', '/me/cards'), (c: KismetClient) => c.connect('tablet')]) {
      const kept = memoryStore();
      kept.save(pair);
      const late = new KismetClient({ url: node!.url, tokens: kept });
      const heard: string[] = [];
      late.onSignInEnded((id) => heard.push(id));
      assert.equal((await refusalOf(attempt(late))).code, 'TOKEN_REVOKED');
      assert.deepEqual(heard, [userId]);
      assert.equal(kept.load(), undefined);
    }
  });

  it('gets a fresh token when a join is refused as expired though this device’s clock says it is not, and joins', async () => {
    const store = memoryStore();
    await new KismetClient({ url: node!.url, tokens: store }).register(uniqueEmail('clock'), TEST_PASSWORD);
    const signedIn = store.load()!;
    // Issued an hour ago: the server refuses it (TOKEN_EXPIRED), while the stored expiry, by this device's clock, is not due.
    const expired = await new AccessTokenService(HARNESS_JWT_SECRET, 60).sign(signedIn.userId, 'a-log-in', Math.floor(Date.now() / 1000) - 3600);
    store.save({ ...signedIn, accessToken: expired });
    const behind = new KismetClient({ url: node!.url, tokens: store });
    const session = await behind.connect('phone');
    open.push(session);
    assert.equal(session.connection.status, 'open');
    assert.notEqual(store.load()!.accessToken, expired);
    assert.equal(session.connection.joins, 1);
  });

  it('answers typed commands, rejects refused ones with their code, and delivers events once, acknowledged', async () => {
    const [ada, bo] = [await person([node!.url], 'ada'), await person([node!.url], 'bo')];
    open.push(ada.session, bo.session);
    const { serverTime } = await ada.session.request('heartbeat', {});
    assert.equal(typeof serverTime, 'number');
    const refused = await refusalOf(ada.session.request('swipe', { fromCardId: bo.card.id, toCardId: ada.card.id, action: 'like' }));
    assert.equal(refused.code, 'NOT_YOUR_CARD');

    const matches: string[] = [];
    bo.session.on('match.created', (data) => matches.push(data.matchId));
    const matchId = await match(ada, bo);
    await waitUntil(() => matches.length === 1 && bo.session.ackedSeq === bo.session.lastSeq && bo.session.lastSeq > 0);
    assert.deepEqual(matches, [matchId]);
  });

  it('chats: sends, hears the other side live, reads history, and sees typing, receipts and deletes', async () => {
    const [ada, bo] = [await person([node!.url], 'ada'), await person([node!.url], 'bo')];
    open.push(ada.session, bo.session);
    const matchId = await match(ada, bo);
    const [adaThread, boThread] = [await ada.kismet.openThread(matchId), await bo.kismet.openThread(matchId)];
    open.push(adaThread, boThread);
    const heard: ChatMessage[] = [];
    const typing: boolean[] = [];
    const reads: number[] = [];
    const deleted: number[] = [];
    boThread.on('message', (m) => heard.push(m));
    boThread.on('typing', (t) => typing.push(t.active));
    adaThread.on('read', (r) => reads.push(r.lastReadSeq));
    boThread.on('message.deleted', (d) => deleted.push(d.seq));

    assert.deepEqual(await adaThread.typing(true), { relayed: true });
    const sent = await adaThread.sendText('hello Bo');
    await waitUntil(() => heard.length === 1 && typing.includes(true));
    assert.equal(heard[0]!.body, 'hello Bo');
    await boThread.read(sent.seq);
    await waitUntil(() => reads.includes(sent.seq));
    const page = await boThread.history();
    assert.deepEqual(page.messages.map((m) => m.body), ['hello Bo']);
    await adaThread.delete(sent.seq);
    await waitUntil(() => deleted.includes(sent.seq));
    assert.equal((await refusalOf(boThread.delete(sent.seq))).code, 'NOT_YOUR_MESSAGE');
  });
});

describe('@kismet/client on a two-node cluster', function () {
  let cluster: TestCluster | undefined;
  const open: Array<{ close(): Promise<void> }> = [];

  before(async function () {
    // Actors go where they are joined, so the test knows which node to kill.
    cluster = await startTestCluster(this, 2, { ACTOR_PLACEMENT: 'local', STALE_NODE_TIMEOUT_MS: '500' });
  });

  after(async () => {
    await Promise.all(open.map((o) => o.close().catch(() => undefined)));
    await cluster?.close();
  });

  it('rejoins through the other node when its node is killed, reads what it missed once, and acknowledges it', async () => {
    const [doomed, survivor] = cluster!.nodes as [NodeHandle, NodeHandle];
    // Ada's device joins through the doomed node first; Bo stays on the survivor.
    const ada = await person([doomed.url, survivor.url], 'ada', 60_000);
    const bo = await person([survivor.url], 'bo');
    open.push(ada.session, bo.session);
    const events: Array<number | null> = [];
    ada.session.on('*', (_data, event) => events.push(event.seq));
    const matchId = await match(bo, ada);
    const adaThread: KismetThread = await ada.kismet.openThread(matchId);
    const boThread = await bo.kismet.openThread(matchId);
    open.push(adaThread, boThread);
    const heard: string[] = [];
    adaThread.on('message', (m) => heard.push(m.body ?? ''));
    await boThread.sendText('before');
    await waitUntil(() => heard.length === 1 && ada.session.lastSeq > 0 && events.includes(ada.session.lastSeq), 10_000, () => `'before' and the match event (${JSON.stringify({ heard, events })})`);
    const sessionNode = ada.session.ready.node;
    const statuses: string[] = [];
    ada.session.onStatus((status) => statuses.push(status));

    await doomed.kill();
    await boThread.sendText('while away');
    await waitUntil(() => ada.session.connection.joins === 2 && adaThread.connection.joins === 2, 30_000, () => `rejoins (${statuses.join(', ')})`);
    assert.notEqual(ada.session.ready.node, sessionNode);
    assert.deepEqual(statuses.slice(0, 2), ['rejoining', 'open']);

    await waitUntil(() => heard.includes('while away'));
    await boThread.sendText('after');
    await waitUntil(() => heard.includes('after'));
    assert.deepEqual(heard, ['before', 'while away', 'after'], 'each message once, in order');
    // The session resent what was never acknowledged (the ack waits 60 s): delivered once all the same.
    const stored = events.filter((seq): seq is number => seq !== null);
    assert.deepEqual(stored, [...new Set(stored)].sort((x, y) => x - y));
    assert.deepEqual((await ada.session.request('heartbeat', {})).serverTime > 0, true);
  });
});
