import type { Kysely } from 'kysely';
import { listDeckCandidates } from '../../db/repositories/deckRepository';
import type { Database } from '../../db/types';
import type { Card } from '../../domain/cardRules';
import { deckKind, failedHardFilter, type DeckSearcher } from '../../domain/deckFilters';
import { cellForLocation, greatCircleKm, searchArea, type LatLng, type SearchArea } from '../../domain/geo';
import { shownDistanceKm } from '../../domain/locationPrivacy';
import { isShown, matchScore, type ScoredCard } from '../../domain/matchScore';
import { wordSet } from '../../domain/textSimilarity';
import { toCardView } from '../../contracts/cards';
import type { DeckCard } from '../../contracts/deck';

/**
 * Cards read for one deck, at most: the nearest rings first. In a dense city
 * the deck is the best of the nearest CANDIDATE_POOL cards rather than of
 * every card within the distance, which keeps a cold deck within a few reads.
 */
export const CANDIDATE_POOL = 200;

export interface DeckBuildOptions {
  readonly resolution: number;
  readonly limit: number;
  readonly pool?: number;
  /** A card whose owner was banned or which was withdrawn since the index was read. */
  readonly withdrawn: (card: Pick<Card, 'id' | 'ownerId'>) => boolean;
}

/** Search areas by origin cell and distance: a city's searchers share a few hundred of them. */
const AREA_CACHE_SIZE = 2_000;
const areas = new Map<string, SearchArea>();

/** The search area depends only on the origin's cell, so it is worked out once per cell and distance. */
function cachedSearchArea(origin: LatLng, maxKm: number, resolution: number): SearchArea {
  const key = `${cellForLocation(origin.lat, origin.lng, resolution)}:${maxKm}`;
  let area = areas.get(key);
  if (!area) {
    if (areas.size >= AREA_CACHE_SIZE) areas.delete(areas.keys().next().value as string);
    area = searchArea(origin, maxKm, resolution);
    areas.set(key, area);
  }
  return area;
}

/** Ring indexes read together: [0], [1], [2, 3], [4..7], ...: few reads however far the search goes. */
function ringBatches(ringCount: number): Array<[number, number]> {
  const batches: Array<[number, number]> = [];
  for (let start = 0; start < ringCount; start = start === 0 ? 1 : start * 2) {
    batches.push([start, Math.min(ringCount, start === 0 ? 1 : start * 2)]);
  }
  return batches;
}

/** A searcher's deck: candidates from the search area, hard-filtered, scored, shown from the threshold up, best first. */
export async function buildDeck(db: Kysely<Database>, searcher: DeckSearcher, options: DeckBuildOptions): Promise<DeckCard[]> {
  const pool = options.pool ?? CANDIDATE_POOL;
  const area = cachedSearchArea(searcher.location, searcher.preferences.maxDistanceKm, options.resolution);
  const kind = deckKind(searcher.card, searcher.preferences);
  const me: ScoredCard = { ...searcher.card, words: wordSet(searcher.card.bio) };
  // Candidates carry the points others may see (a person's privacy point, a job's own place),
  // and the searcher's point is its own privacy point: distances go no finer than those.
  const shown: Array<DeckCard & { readonly km: number }> = [];
  let read = 0;
  for (const [from, to] of ringBatches(area.rings.length)) {
    const want = pool - read;
    const cells = area.rings.slice(from, to).flat();
    const candidates = await listDeckCandidates(db, {
      searcherCardId: searcher.card.id,
      searcherId: searcher.card.ownerId,
      searcherKind: searcher.card.kind,
      kind,
      level: area.level,
      cells,
      limit: want,
    });
    read += candidates.length;
    for (const candidate of candidates) {
      if (options.withdrawn(candidate)) continue;
      const distanceKm = candidate.lat === null || candidate.lng === null ? null : greatCircleKm(searcher.location, { lat: candidate.lat, lng: candidate.lng });
      if (failedHardFilter(searcher, candidate, distanceKm) !== null) continue;
      const score = matchScore(me, candidate);
      if (!isShown(score)) continue;
      shown.push({ card: toCardView(candidate, searcher.card.kind), score, distanceKm: shownDistanceKm(distanceKm as number), km: distanceKm as number });
    }
    // A full read may have left cards of these rings unread: the pool is spent.
    if (candidates.length === want) break;
  }
  shown.sort((a, b) => b.score - a.score || a.km - b.km || (a.card.id < b.card.id ? -1 : 1));
  return shown.slice(0, options.limit).map(({ km: _km, ...card }) => card);
}
