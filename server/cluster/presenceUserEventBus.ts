import type { Presence } from '@colyseus/core';
import type { UserBusMessage, UserEventBus } from '../../rooms/userEventBus';
import type { Logger } from '../logger';

const channel = (userId: string) => `kismet:user:${userId}`;

/** The user event bus over Colyseus presence: Redis pub/sub in a cluster, in-process on one node. */
export class PresenceUserEventBus implements UserEventBus {
  constructor(
    private readonly presence: Presence,
    private readonly logger: Logger,
  ) {}

  publish(userId: string, message: UserBusMessage): void {
    Promise.resolve(this.presence.publish(channel(userId), message)).catch((error: unknown) =>
      this.logger.warn({ err: error, userId }, 'user event publish failed; the device catches up from storage on reconnect'),
    );
  }

  async subscribe(userId: string, handler: (message: UserBusMessage) => void): Promise<() => void> {
    const topic = channel(userId);
    const listener = (message: UserBusMessage) => handler(message);
    await this.presence.subscribe(topic, listener);
    return () => {
      Promise.resolve(this.presence.unsubscribe(topic, listener)).catch(() => undefined);
    };
  }
}
