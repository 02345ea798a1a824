import { looksForWork, type Card, type HiringField } from './cardRules';
import { withinDistance } from './deckFilters';
import { greatCircleKm } from './geo';
import { searchOrigin, type CellPoint } from './searchOrigin';

/**
 * What decides whether a job reaches a person card: the job, its owner's location and deck
 * distance (what its deck searches from and how far), and what the person did with the job.
 */
export interface JobReach {
  readonly job: Pick<Card, 'kind' | 'lat' | 'lng' | 'h3Cell' | 'active'>;
  /** Where the job's owner last said they are: a job placed nowhere searches from there. */
  readonly ownerLocation: CellPoint | undefined;
  /** The owner's deck distance (preferences `maxDistanceKm`). */
  readonly maxDistanceKm: number;
  /** The person card and the job are matched (an active match). */
  readonly matched: boolean;
  /** The person card liked the job (a like or a superlike). */
  readonly liked: boolean;
}

/**
 * Whether a job may be shown a person card's hiring fields: only where a job could reach
 * the card anyway. The person looks for work (`looksForWork`), and either they matched
 * with the job or liked it, or the card is within the job's deck by the deck's own place
 * rule (`searchOrigin`, `withinDistance`): placing a job near someone spends its owner's
 * location bucket and travels no faster than a person (services/jobPlacements.ts), and a
 * deactivated job, which has no deck, reaches nobody by place. Anyone else's card, and
 * the card of someone who looks for no work, the job is shown as anyone is, alike
 * (domain/cardVisibility.ts `cardViewerOf`).
 * @example jobReaches({ ...seeker }, { job, ownerLocation: undefined, maxDistanceKm: 25, matched: false, liked: true }) // true
 */
export function jobReaches(person: Pick<Card, HiringField | 'lat' | 'lng'>, reach: JobReach): boolean {
  if (!looksForWork(person)) return false;
  if (reach.matched || reach.liked) return true;
  const origin = reach.job.active ? searchOrigin(reach.job, reach.ownerLocation) : undefined;
  if (!origin || person.lat === null || person.lng === null) return false;
  return withinDistance(greatCircleKm(origin, { lat: person.lat, lng: person.lng }), reach.maxDistanceKm);
}
