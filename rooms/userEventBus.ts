import type { StoredUserEvent } from '../db/repositories/eventRepository';
import type { UserEventType } from '../domain/userEvents';

/** What travels to a user's session actor, wherever in the cluster it lives. */
export type UserBusMessage =
  | { readonly kind: 'stored'; readonly event: StoredUserEvent }
  | { readonly kind: 'ephemeral'; readonly type: UserEventType; readonly data: Readonly<Record<string, unknown>> };

/**
 * Delivery to a user's session actor. Stored events are already durable when
 * published, so a message nobody hears (the user is offline) loses nothing.
 */
export interface UserEventBus {
  publish(userId: string, message: UserBusMessage): void;
  /** Resolves once messages published from now on will reach `handler`; returns the unsubscribe. */
  subscribe(userId: string, handler: (message: UserBusMessage) => void): Promise<() => void>;
}
