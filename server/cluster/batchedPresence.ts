import { RedisPresence } from '@colyseus/redis-presence';
import type { Redis } from 'ioredis';

type Callback = Parameters<RedisPresence['subscribe']>[1];

/**
 * Colyseus's Redis presence, whose channel subscriptions leave in one SUBSCRIBE
 * and one UNSUBSCRIBE per turn of the event loop, whatever their number.
 *
 * Every join subscribes at least once (a new actor's room channel, a session's user
 * topic, the reply channel of each request to another node) and unsubscribes as
 * often: one command and one socket write each, on the one subscriber connection,
 * where ioredis pipelines nothing. Here a channel that changed is only marked; once
 * the turn's I/O callbacks have run, the channels that have listeners and those that
 * lost their last one are sent together. A subscribe still resolves only once Redis
 * confirmed it, so nothing published after it is missed.
 */
export class BatchedRedisPresence extends RedisPresence {
  private readonly changed = new Set<string>();
  private scheduled: Promise<void> | undefined;

  /** The connection the subscriptions live on, for the node to watch. */
  get subscriber(): Redis {
    return this.sub as Redis;
  }

  override async subscribe(topic: string, callback: Callback): Promise<this> {
    this.subscriptions.addListener(topic, callback);
    if (this.sub.listeners('message').length === 0) this.sub.on('message', this.handleSubscription);
    await this.sendChange(topic);
    return this;
  }

  override async unsubscribe(topic: string, callback?: Callback): Promise<this> {
    if (callback) this.subscriptions.removeListener(topic, callback);
    else this.subscriptions.removeAllListeners(topic);
    if (this.subscriptions.listenerCount(topic) === 0) await this.sendChange(topic);
    return this;
  }

  /** Resolves once the channel's state at the end of this turn reached Redis. */
  private sendChange(topic: string): Promise<void> {
    this.changed.add(topic);
    this.scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return this.scheduled;
  }

  private async flush(): Promise<void> {
    const topics = [...this.changed];
    this.changed.clear();
    this.scheduled = undefined;
    // Whatever happened to a channel during the turn, only where it ended matters.
    const wanted: string[] = [];
    const dropped: string[] = [];
    for (const topic of topics) (this.subscriptions.listenerCount(topic) > 0 ? wanted : dropped).push(topic);
    await Promise.all([wanted.length > 0 ? this.sub.subscribe(...wanted) : undefined, dropped.length > 0 ? this.sub.unsubscribe(...dropped) : undefined]);
  }
}
