import { ErrorCode } from './errors';
import type { CardKind } from './swipeRules';

export type { CardKind };

/** Anything that can be swiped: a person's profile or a job posting. */
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

export type AccountRole = 'member' | 'recruiter' | 'admin';

/** A recruiter may post at most this many active jobs. */
export const MAX_ACTIVE_JOB_CARDS = 50;

export type CardCreationDecision =
  | { readonly kind: 'create' }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

/** A person has one active profile; only recruiters post jobs, up to a limit. */
export function decideCardCreation(input: {
  readonly role: AccountRole;
  readonly kind: CardKind;
  readonly activePersonCards: number;
  readonly activeJobCards: number;
}): CardCreationDecision {
  if (input.kind === 'person') {
    return input.activePersonCards > 0
      ? { kind: 'refused', code: ErrorCode.PERSON_CARD_EXISTS, message: 'you already have an active profile; update it instead' }
      : { kind: 'create' };
  }
  if (input.role !== 'recruiter' && input.role !== 'admin') {
    return { kind: 'refused', code: ErrorCode.RECRUITER_ONLY, message: 'only recruiter accounts post jobs' };
  }
  if (input.activeJobCards >= MAX_ACTIVE_JOB_CARDS) {
    return { kind: 'refused', code: ErrorCode.CARD_LIMIT_REACHED, message: `at most ${MAX_ACTIVE_JOB_CARDS} active jobs` };
  }
  return { kind: 'create' };
}

/** Only the owner changes or deactivates a card; anyone signed in reads an active one. */
export function canEditCard(card: { readonly ownerId: string }, userId: string): boolean {
  return card.ownerId === userId;
}

export function canReadCard(card: { readonly ownerId: string; readonly active: boolean }, userId: string): boolean {
  return card.active || card.ownerId === userId;
}
