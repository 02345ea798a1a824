import type { StoredUserEvent } from '../db/repositories/eventRepository';
import type { UserEventType } from '../domain/userEvents';

/**
 * Messages to the one actor of a key (a user's session, a thread), wherever in
 * the cluster it lives. Nobody listening is not an error: what must survive is
 * stored before it is published.
 */
export interface TopicBus<Message> {
  publish(key: string, message: Message): void;
  /** Resolves once messages published from now on will reach `handler`; returns the unsubscribe. */
  subscribe(key: string, handler: (message: Message) => void): Promise<() => void>;
}

/** What travels to a user's session actor. Stored events are durable when published. */
export type UserBusMessage =
  | { readonly kind: 'stored'; readonly event: StoredUserEvent }
  | { readonly kind: 'ephemeral'; readonly type: UserEventType; readonly data: Readonly<Record<string, unknown>> }
  /** The account was banned: close every device now. */
  | { readonly kind: 'revoked' };

export type UserEventBus = TopicBus<UserBusMessage>;

/** What travels to a thread actor: the match ended (close for everyone), or a member was banned (close theirs). */
export type ThreadSignal =
  | { readonly kind: 'closed'; readonly code: 'UNMATCHED' | 'BLOCKED' }
  | { readonly kind: 'revoked'; readonly userId: string };

export type ThreadSignalBus = TopicBus<ThreadSignal>;
