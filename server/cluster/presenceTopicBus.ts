import type { Presence } from '@colyseus/core';
import type { TopicBus } from '../../services/topicBus';
import type { Logger } from '../logger';
import { BatchedRedisPresence } from './batchedPresence';

/** A topic bus over Colyseus presence: Redis pub/sub in a cluster, in-process on one node. */
export class PresenceTopicBus<Message> implements TopicBus<Message> {
  /** `prefix` names the channels: `<prefix><key>`. */
  constructor(
    private readonly presence: Presence,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  publish(key: string, message: Message): Promise<void> {
    return this.settled(key, this.presence.publish(this.prefix + key, message));
  }

  publishApplied(key: string, message: Message): Promise<void> {
    // In-process presence runs its listeners inside publish: they have run when it returns.
    const topic = this.prefix + key;
    return this.settled(key, this.presence instanceof BatchedRedisPresence ? this.presence.publishApplied(topic, message) : this.presence.publish(topic, message));
  }

  /** A publish never rejects: what it carried is in storage, and a failure is logged. */
  private settled(key: string, sent: unknown): Promise<void> {
    return Promise.resolve(sent).then(() => undefined, (error: unknown) =>
      this.logger.warn({ err: error, channel: this.prefix + key }, 'publish failed; what it carried is in storage'),
    );
  }

  async subscribe(key: string, handler: (message: Message) => void): Promise<() => void> {
    const topic = this.prefix + key;
    // Redis delivers from its client's reply parser: a listener's throw there ended the node.
    const listener = (message: Message) => {
      try {
        handler(message);
      } catch (error) {
        this.logger.error({ err: error, channel: topic }, 'a listener failed on what it heard');
      }
    };
    await this.presence.subscribe(topic, listener);
    return () => {
      Promise.resolve(this.presence.unsubscribe(topic, listener)).catch((error: unknown) => this.logger.warn({ err: error, channel: topic }, 'unsubscribe failed'));
    };
  }
}
