import type { Card } from './cardRules';
import type { LatLng } from './geo';
import { discoveryPoint } from './locationPrivacy';

/** A point and the lobby-resolution cell of the place it stands for. */
export type CellPoint = LatLng & { readonly h3Cell: string };

/**
 * Where a card's deck is searched from: a job from where it stands, if it is placed; a
 * person, and a job placed nowhere, from where others see the card's owner (distances
 * between two people are between their privacy points), in the lobby of the cell the
 * owner is in. Undefined when neither is known: such a card has no deck, and reaches
 * nobody by place (domain/cardVisibility.ts `jobReaches`).
 * @example searchOrigin({ kind: 'job', lat: null, lng: null, h3Cell: null }, undefined) // undefined
 */
export function searchOrigin(card: Pick<Card, 'kind' | 'lat' | 'lng' | 'h3Cell'>, ownerLocation: CellPoint | undefined): CellPoint | undefined {
  if (card.kind === 'job' && card.lat !== null && card.lng !== null && card.h3Cell !== null) return { lat: card.lat, lng: card.lng, h3Cell: card.h3Cell };
  return ownerLocation && { ...discoveryPoint(ownerLocation), h3Cell: ownerLocation.h3Cell };
}
