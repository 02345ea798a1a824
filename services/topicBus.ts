import type { StoredUserEvent } from '../db/repositories/eventRepository';
import type { ThreadEnd } from '../domain/blockDisclosure';
import type { Block } from '../domain/blockedPairs';
import type { EphemeralEventBody } from '../domain/userEvents';
import type { WholeCardView } from '../contracts/cards';

/**
 * Messages to the one actor of a key (a user's session, a thread), wherever in
 * the cluster it lives. Nobody listening is not an error: what must survive is
 * stored before it is published.
 */
export interface TopicBus<Message> {
  /** Resolves once the message is handed on (in a cluster: Redis took it); never rejects. */
  publish(key: string, message: Message): Promise<void>;
  /**
   * Publishes a change an answer must not run ahead of: resolves once every node
   * that heard it has run its listeners (a node that does not answer is waited for
   * a few seconds at most); never rejects.
   */
  publishApplied(key: string, message: Message): Promise<void>;
  /** Resolves once messages published from now on will reach `handler`; returns the unsubscribe. */
  subscribe(key: string, handler: (message: Message) => void): Promise<() => void>;
}

/** What travels to a user's session actor. Stored events are durable when published. */
export type UserBusMessage =
  | { readonly kind: 'stored'; readonly event: StoredUserEvent }
  | ({ readonly kind: 'ephemeral' } & EphemeralEventBody)
  /** The account was banned: close every device now. */
  | { readonly kind: 'revoked' }
  /** The account's shadow-ban was set or lifted: what it does from now on shows to others, or does not. */
  | { readonly kind: 'standing'; readonly shadowBanned: boolean }
  /** The user's decks are stale (their preferences or card changed): drop them. */
  | { readonly kind: 'deck.invalidate' }
  /** Someone the user must no longer see (a block, either way): take their cards out of the user's decks. */
  | { readonly kind: 'deck.exclude'; readonly userId: string };

export type UserEventBus = TopicBus<UserBusMessage>;

/**
 * What travels to a thread actor: the match ended (close for everyone), a member was
 * banned (close theirs), a member's shadow-ban was set or lifted, a colleague came or went.
 */
export type ThreadSignal =
  /** `BLOCKED` reaches only the `blockerIds`' connections; the others hear `UNMATCHED`. */
  | ({ readonly kind: 'closed' } & ThreadEnd)
  | { readonly kind: 'revoked'; readonly userId: string }
  | { readonly kind: 'standing'; readonly userId: string; readonly shadowBanned: boolean }
  /** An operator removed a stored message: every device in the thread drops it. */
  | { readonly kind: 'erased'; readonly seq: number }
  /**
   * A colleague was added (stored already): the actor takes them in through its writer, and
   * tells them of the messages it stored after their read marker before it heard.
   */
  | { readonly kind: 'member.added'; readonly userId: string }
  /** A colleague left or was removed: their connections close, the others see the list change. */
  | { readonly kind: 'member.removed'; readonly userId: string };

export type ThreadSignalBus = TopicBus<ThreadSignal>;

/**
 * Cards every deck in the cluster must drop at once, cached or not: an owner
 * banned or shadow-banned, or one card deactivated.
 */
export type Withdrawal = { readonly kind: 'owner'; readonly userId: string } | { readonly kind: 'card'; readonly cardId: string };

/** A card's owner changed what it shows (its photos, its words): every deck shows it as it is now, cached or not, as its viewer may see it. */
export interface CardEdit {
  readonly kind: 'edited';
  readonly card: WholeCardView;
}

/** What discovery hears on its bus: cards withdrawn, and cards edited. */
export type DiscoveryNews = Withdrawal | CardEdit;

export type WithdrawalBus = TopicBus<DiscoveryNews>;

/** The one key of the withdrawal bus: every node listens to it. */
export const WITHDRAWALS_TOPIC = 'withdrawn';

/**
 * Blocks and shadow-bans, as they are made, to every node: the live events there hide
 * the two people of a block from each other at once (rooms/event/eventBlocks.ts), and a
 * shadow-banned person from everyone, or show them again once it is lifted
 * (rooms/event/eventStandings.ts). What was stored before an event's attendee was
 * admitted is read at its door.
 */
export type BlockBus = TopicBus<BlockNews>;

/** A shadow-ban set or lifted, as stored. */
export interface StandingNews {
  readonly kind: 'standing';
  readonly userId: string;
  readonly shadowBanned: boolean;
}

/** What travels on the block bus: one block, as stored, or a person's standing. */
export type BlockNews = Block | StandingNews;

/** The one key of the block bus: every node listens to it. */
export const BLOCKS_TOPIC = 'made';
