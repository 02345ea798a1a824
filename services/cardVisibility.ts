import type { Kysely } from 'kysely';
import { findCardAsViewed } from '../db/repositories/cardViewingRepository';
import type { Database } from '../db/types';
import type { Card } from '../domain/cardRules';
import { canViewCard, cardViewerOf, type CardViewer } from '../domain/cardVisibility';
import { jobReaches } from '../domain/jobReach';
import { AppError, ErrorCode } from '../domain/errors';

/**
 * A card as `viewerId` may see it (domain/cardVisibility), with as whom they look at it
 * (`cardViewerOf`: `asCardId` names a card of theirs; a job of theirs looks as a job only at
 * a card it reaches, `jobReaches`, whose facts the card's own statement reads), or undefined
 * when it is missing or not theirs to see: a profile view and the card route both ask here,
 * so the two can never drift apart. A card named as `asCardId` that is not the viewer's is
 * refused `NOT_YOUR_CARD`.
 */
export async function findViewableCard(
  db: Kysely<Database>,
  viewerId: string,
  cardId: string,
  asCardId?: string,
): Promise<{ readonly card: Card; readonly viewer: CardViewer } | undefined> {
  const found = await findCardAsViewed(db, viewerId, cardId, asCardId);
  if (found?.viewer.asKind === null) throw new AppError(ErrorCode.NOT_YOUR_CARD, 'as: one of your own cards');
  if (!found || !canViewCard({ card: found.card, viewerId, ...found.viewing })) return undefined;
  const { asKind, viewerRole, reach } = found.viewer;
  const viewer = cardViewerOf({ ownerId: found.card.ownerId, viewerId, asKind: asKind ?? undefined, viewerRole, jobReaches: reach !== undefined && jobReaches(found.card, reach) });
  return { card: found.card, viewer };
}
