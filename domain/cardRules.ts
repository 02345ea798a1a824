import { ErrorCode } from './errors';

/** Anything that can be swiped: a person's profile or a job posting. */
export type CardKind = 'person' | 'job';

/** A photo of a card, stored by the app's own storage provider; Kismet keeps the reference. */
export interface PhotoRef {
  readonly url: string;
  readonly width: number;
  readonly height: number;
  readonly blurhash?: string;
}

/** How many photos a card holds at most, in order. */
export const CARD_PHOTOS_MAX = 6;

export interface Card {
  readonly id: string;
  readonly ownerId: string;
  readonly kind: CardKind;
  readonly title: string;
  readonly bio: string;
  readonly tags: ReadonlyArray<{ readonly tag: string; readonly weight: number }>;
  readonly birthYear: number | null;
  readonly experienceYears: number | null;
  readonly salaryMin: number | null;
  readonly salaryMax: number | null;
  readonly workAuthorizations: readonly string[];
  readonly remote: boolean;
  readonly culture: Readonly<Record<string, number>>;
  readonly verified: boolean;
  readonly active: boolean;
  /** In the order the owner chose; the first is the cover. */
  readonly photos: readonly PhotoRef[];
  readonly lat: number | null;
  readonly lng: number | null;
  readonly h3Cell: string | null;
}

/** The hiring fields of a card that gives none of them, as a dating profile. */
export const NO_HIRING_FIELDS = {
  experienceYears: null,
  salaryMin: null,
  salaryMax: null,
  workAuthorizations: [],
  remote: false,
  culture: {},
} as const;

/** A card's hiring fields: shown of a person to jobs (and the owner) only, never in a person's decks. */
export type HiringField = keyof typeof NO_HIRING_FIELDS;

/**
 * Whether a person looks for work: their card gives any hiring field. Only they are in
 * jobs' decks; everyone else's profile is for dating alone, never shown to a recruiter's job.
 * @example looksForWork({ ...card, experienceYears: 3 }) // true
 */
export function looksForWork(card: Pick<Card, HiringField>): boolean {
  return (
    card.experienceYears !== null ||
    card.salaryMin !== null ||
    card.salaryMax !== null ||
    card.workAuthorizations.length > 0 ||
    card.remote ||
    Object.keys(card.culture).length > 0
  );
}

export type AccountRole = 'member' | 'recruiter' | 'admin';

/** A recruiter may post at most this many active jobs. */
export const MAX_ACTIVE_JOB_CARDS = 50;

export type CardCreationDecision =
  | { readonly kind: 'create' }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

/**
 * An account creates at most this many cards in NEW_CARDS_WINDOW_MS, deactivated ones
 * included: a deactivated card stays (its owner reads it, and matches, swipes and events
 * refer to it), so without a bound creating and deactivating cards in turn would store
 * without end. Four times the active jobs a recruiter may post at once, every month; a
 * recruiter posting for years is never locked out, and a flood is held to a few thousand
 * cards a year.
 */
export const MAX_NEW_CARDS = 200;
export const NEW_CARDS_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** Whether an account of `role` posts jobs (and hosts their events): recruiters, and admins. */
export function postsJobs(role: AccountRole): boolean {
  return role === 'recruiter' || role === 'admin';
}

/** A person has one active profile; only recruiters post jobs, up to a limit; nobody creates more than MAX_NEW_CARDS cards in NEW_CARDS_WINDOW_MS. */
export function decideCardCreation(input: {
  readonly role: AccountRole;
  readonly kind: CardKind;
  readonly activePersonCards: number;
  readonly activeJobCards: number;
  /** The account's cards created in the last NEW_CARDS_WINDOW_MS, active or not. */
  readonly newCards: number;
}): CardCreationDecision {
  if (input.kind === 'person' && input.activePersonCards > 0) {
    return { kind: 'refused', code: ErrorCode.PERSON_CARD_EXISTS, message: 'you already have an active profile; update it instead' };
  }
  if (input.kind === 'job' && !postsJobs(input.role)) {
    return { kind: 'refused', code: ErrorCode.RECRUITER_ONLY, message: 'only recruiter accounts post jobs' };
  }
  if (input.kind === 'job' && input.activeJobCards >= MAX_ACTIVE_JOB_CARDS) {
    return { kind: 'refused', code: ErrorCode.CARD_LIMIT_REACHED, message: `at most ${MAX_ACTIVE_JOB_CARDS} active jobs` };
  }
  if (input.newCards >= MAX_NEW_CARDS) {
    return {
      kind: 'refused',
      code: ErrorCode.CARD_LIMIT_REACHED,
      message: `at most ${MAX_NEW_CARDS} new cards in 30 days, deactivated ones included; change one of yours instead, or come back later`,
    };
  }
  return { kind: 'create' };
}

/** The youngest a profile's owner may be, in years: Kismet's decks are for adults. */
export const MIN_PERSON_AGE = 18;

export type BirthYearCheck = { readonly kind: 'accepted' } | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

/**
 * A person card's birth year, against the current year (UTC, as decks count ages):
 * refused when its owner would be under MIN_PERSON_AGE this year or is not born yet,
 * and when there is none (a deck with no age range would show an unknown age).
 * @example checkPersonBirthYear(2010, 2026) // refused: 16 this year
 */
export function checkPersonBirthYear(birthYear: number | null, currentYear: number): BirthYearCheck {
  if (birthYear === null) return { kind: 'refused', code: ErrorCode.INVALID_BODY, message: 'birthYear: a person card needs one' };
  if (birthYear > currentYear) return { kind: 'refused', code: ErrorCode.INVALID_BODY, message: 'birthYear: is in the future' };
  if (currentYear - birthYear < MIN_PERSON_AGE) {
    return { kind: 'refused', code: ErrorCode.INVALID_BODY, message: `birthYear: a profile's owner must be ${MIN_PERSON_AGE} or older this year` };
  }
  return { kind: 'accepted' };
}

/** Only the owner changes or deactivates a card; anyone signed in reads an active one. */
export function canEditCard(card: { readonly ownerId: string }, userId: string): boolean {
  return card.ownerId === userId;
}

export function canReadCard(card: { readonly ownerId: string; readonly active: boolean }, userId: string): boolean {
  return card.active || card.ownerId === userId;
}
