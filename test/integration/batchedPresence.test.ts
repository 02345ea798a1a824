import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { BatchedRedisPresence } from '../../server/cluster/batchedPresence';
import { waitUntil } from '../support/accounts';
import { servicesOrSkip } from '../support/services';

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
