import type { Kysely } from 'kysely';
import { isBlockedEitherWay } from '../db/repositories/blockRepository';
import { findCardById } from '../db/repositories/cardRepository';
import { isHiddenAccount } from '../db/repositories/userRepository';
import type { Database } from '../db/types';
import type { Card } from '../domain/cardRules';
import { canViewCard } from '../domain/cardVisibility';

/**
 * A card as `viewerId` may see it (domain/cardVisibility), or undefined when
 * it is missing or not theirs to see: a profile view and the card route both
 * ask here, so the two can never drift apart.
 */
export async function findViewableCard(db: Kysely<Database>, viewerId: string, cardId: string): Promise<Card | undefined> {
  const card = await findCardById(db, cardId);
  if (!card) return undefined;
  if (card.ownerId === viewerId) return card;
  const [blockedEitherWay, ownerHidden] = await Promise.all([isBlockedEitherWay(db, viewerId, card.ownerId), isHiddenAccount(db, card.ownerId)]);
  return canViewCard({ card, viewerId, blockedEitherWay, ownerHidden }) ? card : undefined;
}
