import { canReadCard } from './cardRules';

/** What decides whether someone may see a card, beyond the card itself. */
export interface CardViewing {
  readonly card: { readonly ownerId: string; readonly active: boolean };
  readonly viewerId: string;
  /** The viewer and the owner blocked each other, one way or the other. */
  readonly blockedEitherWay: boolean;
  /** The owner is banned or shadow-banned (or gone): others must not see them. */
  readonly ownerHidden: boolean;
}

/**
 * The one rule of who sees a card, wherever it is served (a profile view, the
 * card route, the other side of a thread in the thread list): its owner always;
 * anyone else only an active card, of an owner who is not hidden, with no block
 * between them. To everyone else it does not exist (missing and hidden look the same).
 */
export function canViewCard(viewing: CardViewing): boolean {
  if (viewing.card.ownerId === viewing.viewerId) return true;
  return canReadCard(viewing.card, viewing.viewerId) && !viewing.blockedEitherWay && !viewing.ownerHidden;
}
