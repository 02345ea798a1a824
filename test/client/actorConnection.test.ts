import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ActorConnection } from '../../client/actorConnection';
import { KismetError } from '../../client/errors';
import { SESSION_ROOM, SessionEventType } from '../../contracts/session';
import { freePort, startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { registerUser, requestJson, waitUntil } from '../support/accounts';
import { BACKENDS } from '../support/backends';

/** What a connection did on its way in: its tries (each asks for the token once) and the waits between them. */
interface Trace {
  tries: number;
  readonly waits: number[];
}

/** Opens a session through `urls` in turn, recording every wait between tries instead of waiting it out. */
function openSession(urls: readonly string[], user: { userId: string; accessToken: string }, trace: Trace, random = 0.5) {
  return ActorConnection.open<unknown>({
    urls: () => urls,
    roomName: SESSION_ROOM,
    joinOptions: { userId: user.userId, deviceId: 'phone' },
    readyType: SessionEventType.READY,
    accessToken: async () => {
      trace.tries += 1;
      return user.accessToken;
    },
    random: () => random,
    sleep: async (ms) => {
      trace.waits.push(ms);
    },
  });
}

describe('a client connection that finds a node down', function () {
  let node: NodeHandle | undefined;
  let teardown: () => Promise<void> = async () => {};
  /** A port nothing listens on: a node that died. */
  let downUrl = '';

  before(async function () {
    const setup = await BACKENDS[0]!.setup(this);
    teardown = setup!.teardown;
    node = await startNodeProcess(setup!.env);
    downUrl = `http://127.0.0.1:${await freePort()}`;
  });

  after(async () => {
    await node?.stop();
    await teardown();
  });

  it('joins through the next node at once, without a backoff', async () => {
    const user = await registerUser(node!.url);
    const trace: Trace = { tries: 0, waits: [] };
    const connection = await openSession([downUrl, node!.url], user, trace);
    try {
      assert.equal(connection.status, 'open');
      assert.equal(trace.tries, 2, 'the node that is down, then the live one');
      assert.deepEqual(trace.waits, [], 'no wait between a node that answered nothing and the next');
    } finally {
      await connection.close();
    }
  });

  it('backs off between rounds when no node answers, and gives up a first join as before', async () => {
    const user = await registerUser(node!.url);
    const trace: Trace = { tries: 0, waits: [] };
    const otherDown = `http://127.0.0.1:${await freePort()}`;
    const refusal = await openSession([downUrl, otherDown], user, trace).then(
      () => assert.fail('joined with every node down'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof KismetError);
    // Five rounds of two tries each, a backoff after each round but the last: 0.5 s, 1 s, 2 s, 4 s.
    assert.equal(trace.tries, 10);
    assert.deepEqual(trace.waits, [500, 1000, 2000, 4000]);
  });
});

describe('a client connection refused for a while', function () {
  let node: NodeHandle | undefined;
  let teardown: () => Promise<void> = async () => {};

  before(async function () {
    const setup = await BACKENDS[0]!.setup(this);
    teardown = setup!.teardown;
    // One request every 100 s after a burst of 3: a refused join is told to come back in tens of seconds.
    node = await startNodeProcess({ ...setup!.env, RATE_LIMITS: 'register.address=100000:100000,request=0.01:3' });
  });

  after(async () => {
    await node?.stop();
    await teardown();
  });

  it('waits as long as the refusal says before trying again, not only its own backoff', async () => {
    const user = await registerUser(node!.url);
    for (let i = 0; i < 3; i++) await requestJson(node!.url, 'GET', '/me/cards', { token: user.accessToken });
    const trace: Trace = { tries: 0, waits: [] };
    const refusal = await openSession([node!.url], user, trace, 0).then(
      () => assert.fail('joined with its request bucket spent'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof KismetError && refusal.code === 'RATE_LIMITED', String(refusal));
    assert.equal(trace.waits.length, 4);
    // Without the refusal's retryAfterMs these are the backoff's 0.4 s, 0.8 s, 1.5 s and 3 s.
    for (const wait of trace.waits) assert.ok(wait >= 30_000, `waited ${wait} ms`);
  });
});

describe('a client connection whose node never says it is ready', function () {
  let child: ChildProcess | undefined;
  let url = '';
  /** Connections the silent node holds open now. */
  let open = 0;

  before(async () => {
    const port = await freePort();
    child = fork(path.join(__dirname, '../support/silentActorNode.js'), [String(port), SESSION_ROOM]);
    child.on('message', (message: { open?: number }) => {
      open += message.open ?? 0;
    });
    await new Promise<void>((resolve) => child!.on('message', (message: { listening?: number }) => message.listening && resolve()));
    url = `http://127.0.0.1:${port}`;
  });

  after(() => {
    child?.kill('SIGKILL');
  });

  it('closes the socket of every join it gave up on', async () => {
    const trace: Trace = { tries: 0, waits: [] };
    const refusal = await ActorConnection.open<unknown>({
      urls: () => [url],
      roomName: SESSION_ROOM,
      joinOptions: { userId: 'u1', deviceId: 'phone' },
      readyType: SessionEventType.READY,
      accessToken: async () => {
        trace.tries += 1;
        return 'a token the silent node never reads';
      },
      readyTimeoutMs: 200,
      sleep: async (ms) => {
        trace.waits.push(ms);
      },
    }).then(
      () => assert.fail('opened without a ready message'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof KismetError);
    assert.equal(refusal.code, 'TIMEOUT');
    assert.equal(trace.tries, 5, 'a first join is tried five times');
    await waitUntil(() => open === 0, 10_000, () => `${open} connections the client gave up on still open on the node`);
  });
});
