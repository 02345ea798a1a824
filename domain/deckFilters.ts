import { MIN_PERSON_AGE, looksForWork, type Card, type CardKind } from './cardRules';
import type { LatLng } from './geo';
import type { Preferences } from './preferences';

/** Who is asking for a deck: the card they swipe as, what they want, where they are. */
export interface DeckSearcher {
  readonly card: Card;
  readonly preferences: Preferences;
  readonly location: LatLng;
  /** The current calendar year (UTC), for ages. */
  readonly year: number;
}

/** The hard filters, pass or fail, in the order they are checked. */
export const HARD_FILTERS = ['kind', 'distance', 'age', 'salary', 'workAuthorization', 'remote', 'experience'] as const;
export type HardFilter = (typeof HARD_FILTERS)[number];

/** What a searcher's deck holds: a job looks for people (those who look for work: `looksForWork`); a person for people unless they asked for jobs. */
export function deckKind(card: Pick<Card, 'kind'>, preferences: Preferences): CardKind {
  return card.kind === 'job' ? 'person' : (preferences.cardKind ?? 'person');
}

/** The job and the person of a hiring pair, or undefined for two people. */
function hiringPair(a: Card, b: Card): { job: Card; person: Card } | undefined {
  if (a.kind === 'job' && b.kind === 'person') return { job: a, person: b };
  if (a.kind === 'person' && b.kind === 'job') return { job: b, person: a };
  return undefined;
}

/** The most a job says it pays: its maximum, or its minimum when that is all it gives. */
function jobPayCeiling(job: Card): number | null {
  return job.salaryMax ?? job.salaryMin;
}

const normalised = (labels: readonly string[]) => new Set(labels.map((l) => l.trim().toLowerCase()));

function sharesOne(a: readonly string[], b: readonly string[]): boolean {
  const set = normalised(a);
  return b.some((label) => set.has(label.trim().toLowerCase()));
}

/**
 * The place rule of every deck: a candidate `distanceKm` from where the deck is searched
 * from is in it only within the searcher's distance (null: placed nowhere, in no deck).
 */
export function withinDistance(distanceKm: number | null, maxDistanceKm: number): boolean {
  return distanceKm !== null && distanceKm <= maxDistanceKm;
}

/**
 * The first hard filter a candidate fails for this searcher, or null when it
 * passes them all. `distanceKm` is the great-circle distance from the searcher
 * (null when the candidate has no location). A field a filter needs that the
 * candidate does not give fails the filter: nobody is shown on a guess.
 */
export function failedHardFilter(searcher: DeckSearcher, candidate: Card, distanceKm: number | null): HardFilter | null {
  const prefs = searcher.preferences;
  if (candidate.kind !== deckKind(searcher.card, prefs)) return 'kind';
  // A person's profile is in jobs' decks only if they look for work: a dating profile never reaches a recruiter.
  if (searcher.card.kind === 'job' && !looksForWork(candidate)) return 'kind';
  if (!withinDistance(distanceKm, prefs.maxDistanceKm)) return 'distance';

  // Decks are for adults: a profile stored before the age rule, of someone under it this year, is shown to nobody.
  if (candidate.kind === 'person' && candidate.birthYear !== null && searcher.year - candidate.birthYear < MIN_PERSON_AGE) return 'age';
  if (searcher.card.kind === 'person' && candidate.kind === 'person' && (prefs.ageMin !== null || prefs.ageMax !== null)) {
    if (candidate.birthYear === null) return 'age';
    const age = searcher.year - candidate.birthYear;
    if ((prefs.ageMin !== null && age < prefs.ageMin) || (prefs.ageMax !== null && age > prefs.ageMax)) return 'age';
  }

  const pair = hiringPair(searcher.card, candidate);
  if (pair) {
    const ceiling = jobPayCeiling(pair.job);
    if (pair.person.salaryMin !== null && ceiling !== null && ceiling < pair.person.salaryMin) return 'salary';
    if (candidate.kind === 'job' && prefs.salaryMin !== null && (ceiling === null || ceiling < prefs.salaryMin)) return 'salary';
  }

  if (pair && pair.job.workAuthorizations.length > 0 && !sharesOne(pair.job.workAuthorizations, pair.person.workAuthorizations)) {
    return 'workAuthorization';
  }
  // The hiring preferences count between a job and a person only: two people's decks are never filtered by what only jobs see.
  if (pair && prefs.workAuthorizations.length > 0 && !sharesOne(prefs.workAuthorizations, candidate.workAuthorizations)) return 'workAuthorization';

  if (candidate.kind === 'job' && prefs.remoteOnly && !candidate.remote) return 'remote';

  if (pair && pair.job.experienceYears !== null && (pair.person.experienceYears ?? -1) < pair.job.experienceYears) return 'experience';
  if (pair && candidate.kind === 'person' && prefs.minExperienceYears !== null && (candidate.experienceYears ?? -1) < prefs.minExperienceYears) {
    return 'experience';
  }
  return null;
}
