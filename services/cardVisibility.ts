import type { Kysely } from 'kysely';
import { findCardAsViewed } from '../db/repositories/cardViewingRepository';
import type { Database } from '../db/types';
import type { Card } from '../domain/cardRules';
import { canViewCard } from '../domain/cardVisibility';

/**
 * A card as `viewerId` may see it (domain/cardVisibility), or undefined when
 * it is missing or not theirs to see: a profile view and the card route both
 * ask here, so the two can never drift apart.
 */
export async function findViewableCard(db: Kysely<Database>, viewerId: string, cardId: string): Promise<Card | undefined> {
  const found = await findCardAsViewed(db, viewerId, cardId);
  if (!found) return undefined;
  return canViewCard({ card: found.card, viewerId, ...found.viewing }) ? found.card : undefined;
}
