import type { CardKind } from './swipeRules';

/** What a user wants to see in their deck. */
export interface Preferences {
  readonly maxDistanceKm: number;
  readonly ageMin: number | null;
  readonly ageMax: number | null;
  /** A person looking for work: the least a job must be able to pay. */
  readonly salaryMin: number | null;
  /** Only remote jobs. */
  readonly remoteOnly: boolean;
  /** Candidates with at least this many years. */
  readonly minExperienceYears: number | null;
  /** When set, a card must list at least one of these work authorisations. */
  readonly workAuthorizations: readonly string[];
  /** What kind of card to be shown; by default a person sees people and a job sees people. */
  readonly cardKind: CardKind | null;
}

export const DEFAULT_MAX_DISTANCE_KM = 25;

export const DEFAULT_PREFERENCES: Preferences = {
  maxDistanceKm: DEFAULT_MAX_DISTANCE_KM,
  ageMin: null,
  ageMax: null,
  salaryMin: null,
  remoteOnly: false,
  minExperienceYears: null,
  workAuthorizations: [],
  cardKind: null,
};
