import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { leaseKey } from '../../server/cluster/actorDrivers';
import { BatchedRedisPresence, COUNTED_NODES_KEY } from '../../server/cluster/batchedPresence';
import { processChannel } from '../../server/cluster/processChannel';
import { privateServicesOrSkip, startPrivateRedis, type PrivateRedis } from '../support/privateServices';
import { commandCalls } from '../support/redisListing';
import { waitUntil } from '../support/accounts';
import { servicesOrSkip } from '../support/services';
import { stalledNode } from '../support/stalledNode';

describe('BatchedRedisPresence on real Redis', function () {
  let presence: BatchedRedisPresence | undefined;
  let observer: Redis | undefined;
  const sent = { subscribe: 0, unsubscribe: 0 };
  // Channels are shared by every database of a Redis: each run uses names of its own.
  const channel = (name: string) => `kismet-test:${runId}:${name}`;
  const runId = randomUUID();

  /** How many subscribers Redis counts on each channel. */
  const subscribers = async (channels: readonly string[]): Promise<number[]> => {
    const reply = (await observer!.call('PUBSUB', 'NUMSUB', ...channels)) as Array<string | number>;
    return channels.map((_, i) => Number(reply[2 * i + 1]));
  };

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    presence = new BatchedRedisPresence(new Redis(services.redisUrl));
    observer = new Redis(services.redisUrl);
    // Counts the commands the presence's subscriber connection is asked to send.
    const sub = presence.subscriber;
    // Colyseus's presence subscribes again to every channel it holds when its connection
    // becomes ready: counted during a test, that would be a command the batching never sent.
    if (sub.status !== 'ready') await once(sub, 'ready');
    const subscribe = sub.subscribe.bind(sub);
    const unsubscribe = sub.unsubscribe.bind(sub);
    sub.subscribe = ((...args: Parameters<Redis['subscribe']>) => {
      sent.subscribe++;
      return subscribe(...args);
    }) as Redis['subscribe'];
    sub.unsubscribe = ((...args: Parameters<Redis['unsubscribe']>) => {
      sent.unsubscribe++;
      return unsubscribe(...args);
    }) as Redis['unsubscribe'];
  });

  after(async () => {
    presence?.shutdown();
    await observer?.quit();
  });

  it('subscribes every channel of one turn in one command, and hears what is published once its subscribe resolved', async () => {
    const channels = Array.from({ length: 200 }, (_, i) => channel(`many-${i}`));
    const heard = new Map<string, unknown>();
    const before = sent.subscribe;
    await Promise.all(channels.map((c) => presence!.subscribe(c, (message: unknown) => heard.set(c, message))));
    assert.equal(sent.subscribe - before, 1);
    assert.deepEqual(await subscribers(channels), channels.map(() => 1));

    await Promise.all(channels.map((c) => presence!.publish(c, { to: c })));
    await waitUntil(() => heard.size === channels.length, 10_000, () => `${heard.size} of ${channels.length} channels heard`);
    for (const c of channels) assert.deepEqual(heard.get(c), { to: c });

    const unsubscribesBefore = sent.unsubscribe;
    await Promise.all(channels.map((c) => presence!.unsubscribe(c)));
    assert.equal(sent.unsubscribe - unsubscribesBefore, 1);
    assert.deepEqual(await subscribers(channels), channels.map(() => 0));
  });

  it('keeps a channel while it has a listener, and drops it with the last one', async () => {
    const shared = channel('shared');
    const first = () => undefined;
    const second = () => undefined;
    await Promise.all([presence!.subscribe(shared, first), presence!.subscribe(shared, second)]);
    await presence!.unsubscribe(shared, first);
    assert.deepEqual(await subscribers([shared]), [1]);
    await presence!.unsubscribe(shared, second);
    assert.deepEqual(await subscribers([shared]), [0]);
  });

  it('sends where a channel ended in the turn: subscribed then dropped is dropped, dropped then subscribed again is heard', async () => {
    const brief = channel('brief');
    const listener = () => undefined;
    await Promise.all([presence!.subscribe(brief, listener), presence!.unsubscribe(brief, listener)]);
    assert.deepEqual(await subscribers([brief]), [0]);

    const back = channel('back');
    const heard: unknown[] = [];
    await presence!.subscribe(back, listener);
    await Promise.all([presence!.unsubscribe(back, listener), presence!.subscribe(back, (message: unknown) => heard.push(message))]);
    assert.deepEqual(await subscribers([back]), [1]);
    await presence!.publish(back, 'again');
    await waitUntil(() => heard.length === 1, 10_000, () => 'the message on the channel subscribed again');
    assert.deepEqual(heard, ['again']);
  });
});

describe('changes published to be applied (publishApplied), on real Redis', function () {
  const runId = randomUUID();
  const channel = (name: string) => `kismet-test:${runId}:${name}`;
  let redisUrl = '';
  const opened: Array<{ quit(): Promise<unknown> }> = [];
  const presences: BatchedRedisPresence[] = [];

  /** A node's presence; `waitMs` is how long its publishApplied waits for a node that does not answer. */
  const node = (waitMs: number) => {
    const presence = new BatchedRedisPresence(new Redis(redisUrl), waitMs);
    presences.push(presence);
    return presence;
  };
  /** A node that hears a channel but answers receipts only when the test says: a stalled node. */
  const stalledNodeOn = async (topic: string) => {
    const stalled = await stalledNode(redisUrl, topic);
    opened.push({ quit: async () => stalled.close() });
    return stalled;
  };
  const settledFlag = (promise: Promise<unknown>) => {
    const state = { settled: false };
    void promise.then(() => (state.settled = true));
    return state;
  };

  before(function () {
    const services = servicesOrSkip(this, { redis: true });
    if (services) redisUrl = services.redisUrl;
  });

  after(async () => {
    for (const p of presences) p.shutdown();
    await Promise.all(opened.map((r) => r.quit()));
  });

  it('resolves once every node that received the change has run its listeners, and hands them the change itself', async () => {
    const topic = channel('applied');
    const sender = node(600_000);
    const receiver = node(600_000);
    const applied: unknown[] = [];
    await receiver.subscribe(topic, (message: unknown) => applied.push(message));
    const stalled = await stalledNodeOn(topic);

    const receiptOf = (text: string) => (JSON.parse(text) as { $receipt: { to: string; id: number } }).$receipt;
    const sent = sender.publishApplied(topic, { kind: 'deck.invalidate' });
    const state = settledFlag(sent);
    await waitUntil(() => applied.length === 1 && stalled.heard.length === 1, 10_000, () => 'the change at both nodes');
    assert.deepEqual(applied, [{ kind: 'deck.invalidate' }], 'listeners get the change, not its envelope');
    assert.equal(state.settled, false, 'the stalled node has not answered');
    await stalled.answer(0);
    await sent;

    // Receipts travel through Redis: watching them shows the receiver's is back at the
    // sender while the stalled node's is still missing.
    const watcher = new Redis(redisUrl);
    opened.push(watcher);
    const receipts: string[] = [];
    watcher.on('message', (_c: string, text: string) => receipts.push(text));
    await watcher.subscribe(receiptOf(stalled.heard[0]!.text).to);
    const again = sender.publishApplied(topic, { kind: 'deck.exclude', userId: 'x' });
    const againState = settledFlag(again);
    await waitUntil(() => stalled.heard.length === 2, 10_000, () => 'the second change at the stalled node');
    const secondId = String(receiptOf(stalled.heard[1]!.text).id);
    await waitUntil(() => receipts.includes(secondId), 10_000, () => 'the receiver’s receipt');
    assert.deepEqual(applied[1], { kind: 'deck.exclude', userId: 'x' });
    assert.equal(againState.settled, false, 'one of two nodes has answered');
    await stalled.answer(1);
    await again;
  });

  it('resolves at once when no node listens, and after its wait when one never answers', async () => {
    const sender = node(600_000);
    await sender.publishApplied(channel('nobody'), { kind: 'deck.invalidate' });

    const patient = node(300);
    const topic = channel('never');
    const stalled = await stalledNodeOn(topic);
    await patient.publishApplied(topic, { kind: 'deck.invalidate' });
    assert.equal(stalled.heard.length, 1, 'the silent node did receive it');
  });
});

/**
 * On a Redis of its own: its counted nodes and command counts are this test's
 * alone (on the shared one, a stopping node of another suite may sweep the
 * test's nodes out of Colyseus's count while it runs).
 */
describe('the process channels, asked of BatchedRedisPresence', function () {
  let privateRedis: PrivateRedis | undefined;
  let presence: BatchedRedisPresence | undefined;
  const connections: Redis[] = [];

  before(async function () {
    const binaries = privateServicesOrSkip(this);
    if (!binaries) return;
    privateRedis = await startPrivateRedis(binaries.redisServer);
    presence = new BatchedRedisPresence(new Redis(privateRedis.url));
  });

  after(async () => {
    presence?.shutdown();
    connections.forEach((c) => c.disconnect());
    await privateRedis?.destroy();
  });

  it('are those of the counted nodes someone listens on and whose lease runs, found without walking every channel Redis holds', async () => {
    const [observer, node] = [new Redis(privateRedis!.url), new Redis(privateRedis!.url)];
    connections.push(observer, node);
    await observer.hset(COUNTED_NODES_KEY, 'listening', '0,0', 'silent', '0,0', 'lapsed', '0,0');
    await observer.set(leaseKey('listening'), '1', 'PX', 60_000);
    // 'lapsed': cut off without a reset, Redis still holds its subscriber, but its lease is gone.
    await node.subscribe(processChannel('listening'), processChannel('lapsed'), 'another-channel');
    const before = await commandCalls(observer);

    assert.deepEqual(await presence!.channels(processChannel('*')), [processChannel('listening')]);
    const after = await commandCalls(observer);
    assert.equal(after('pubsub|channels'), before('pubsub|channels'), 'the process channels were found by walking every channel');
    assert.equal(after('pubsub|numsub'), before('pubsub|numsub') + 1);

    // Any other pattern is Redis's own answer.
    assert.deepEqual(await presence!.channels('another-*'), ['another-channel']);
    assert.equal((await commandCalls(observer))('pubsub|channels'), before('pubsub|channels') + 1);
  });
});
