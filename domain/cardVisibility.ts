import { canReadCard, type AccountRole, type CardKind, type PhotoRef } from './cardRules';

/** What decides whether someone may see a card, beyond the card itself. */
export interface CardViewing {
  readonly card: { readonly ownerId: string; readonly active: boolean };
  readonly viewerId: string;
  /** The viewer and the owner blocked each other, one way or the other. */
  readonly blockedEitherWay: boolean;
  /**
   * The viewer and the owner were on opposite sides of a match that ended (an
   * unmatch or a block) and share no active one: they part as after a block, so
   * the person blocked cannot tell the one from the other.
   */
  readonly formerMatch: boolean;
  /** The owner is banned or shadow-banned (or gone): others must not see them. */
  readonly ownerHidden: boolean;
}

/**
 * The one rule of who sees a card, wherever it is served (a profile view, the
 * card route, a swipe, a deck, the other side of a thread in the thread list):
 * its owner always; anyone else only an active card, of an owner who is not
 * hidden, with no block between them and no match of theirs ended. To everyone
 * else it does not exist (missing and hidden look the same).
 */
export function canViewCard(viewing: CardViewing): boolean {
  if (viewing.card.ownerId === viewing.viewerId) return true;
  return canReadCard(viewing.card, viewing.viewerId) && !viewing.blockedEitherWay && !viewing.formerMatch && !viewing.ownerHidden;
}

/** What the thread list shows for someone whose account was deleted. */
export const DELETED_ACCOUNT_NAME = 'deleted account';
/** What it shows for anyone else the viewer may not see: an ended match, a block, a ban, a deactivated card alike. */
export const UNAVAILABLE_NAME = 'unavailable';

/** The other side of a thread as its list shows it. */
export interface CounterpartFace {
  readonly name: string;
  readonly photos: readonly PhotoRef[];
  /** The viewer may not see the card: `name` is a placeholder and `photos` empty. */
  readonly hidden: boolean;
  /** The account was deleted: the one case the list says so. */
  readonly deleted: boolean;
}

/**
 * The other side's card in a thread as the viewer is shown it: as it is, when
 * `canViewCard` lets them see it; otherwise `"deleted account"` only where the
 * account was deleted, and `"unavailable"` for every other reason alike, so that
 * the list never tells a block from an unmatch (nor claims a deletion for either).
 */
export function counterpartFace(card: { readonly title: string; readonly photos: readonly PhotoRef[] }, visible: boolean, ownerDeleted: boolean): CounterpartFace {
  if (visible) return { name: card.title, photos: card.photos, hidden: false, deleted: false };
  return { name: ownerDeleted ? DELETED_ACCOUNT_NAME : UNAVAILABLE_NAME, photos: [], hidden: true, deleted: ownerDeleted };
}

/**
 * Who looks at a card: its owner; someone looking as one of their person cards (dating) or
 * job cards (hiring); or `anyone`, who did not say which (what the two views share).
 */
export type CardViewer = 'owner' | CardKind | 'anyone';

/**
 * As whom someone looks at a card they may see (contracts/cards.ts `toCardView`): its owner
 * as the owner; else as the kind of the card of theirs they named, a job only where it
 * reaches the card (domain/jobReach.ts `jobReaches`), else as anyone; else by their
 * account: a member posts no jobs, so looks as a person, and a recruiter or an operator,
 * who may look as either, is shown only what both are shown.
 * @example cardViewerOf({ ownerId: 'a', viewerId: 'b', asKind: undefined, viewerRole: 'recruiter', jobReaches: false }) // 'anyone'
 */
export function cardViewerOf(viewing: {
  readonly ownerId: string;
  readonly viewerId: string;
  /** The kind of the viewer's own card they look as, if they named one. */
  readonly asKind: CardKind | undefined;
  readonly viewerRole: AccountRole | undefined;
  /** Looking as a job: whether it reaches the card (domain/jobReach.ts `jobReaches`). */
  readonly jobReaches: boolean;
}): CardViewer {
  if (viewing.ownerId === viewing.viewerId) return 'owner';
  if (viewing.asKind === 'job') return viewing.jobReaches ? 'job' : 'anyone';
  if (viewing.asKind) return viewing.asKind;
  return viewing.viewerRole === 'member' ? 'person' : 'anyone';
}
