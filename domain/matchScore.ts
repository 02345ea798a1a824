import type { Card } from './cardRules';
import { wordSet, wordSetSimilarity } from './textSimilarity';

/**
 * The weight of each part of the 0–100 score, and the score under which a card
 * is not shown. Experience, salary and culture are hiring fields: they count
 * between a job and a person only (`scoreParts`).
 */
export const SCORE_WEIGHTS = {
  tags: 40,
  experience: 20,
  text: 15,
  salary: 10,
  culture: 10,
  verification: 5,
} as const;
export type ScorePart = keyof typeof SCORE_WEIGHTS;

export const SHOW_THRESHOLD = 60;

/**
 * Proficiency (or importance) 1–5 as a factor: 1 learning 0.3, 3 working 0.7,
 * 5 expert 1.0, the steps between halfway.
 */
export const PROFICIENCY_FACTOR: Readonly<Record<number, number>> = { 1: 0.3, 2: 0.5, 3: 0.7, 4: 0.85, 5: 1 };

/** Years past a job's minimum that still fit fully; each year beyond costs 0.1, down to 0.5. */
export const EXPERIENCE_FULL_FIT_YEARS = 5;

/** A card's words, worked out once per card rather than once per comparison. */
export type ScoredCard = Card & { readonly words?: ReadonlySet<string> };

type Tags = Card['tags'];

const tagMap = (tags: Tags) => new Map(tags.map((t) => [t.tag.trim().toLowerCase(), t.weight]));

/**
 * How well `offered` covers `wanted`: each wanted tag counts by its weight,
 * times the proficiency factor of the same tag offered (0 when not offered).
 */
export function tagCoverage(wanted: Tags, offered: Tags): number | null {
  if (wanted.length === 0 || offered.length === 0) return null;
  const have = tagMap(offered);
  let total = 0;
  let covered = 0;
  for (const [tag, weight] of tagMap(wanted)) {
    total += weight;
    const level = have.get(tag);
    covered += weight * (level === undefined ? 0 : (PROFICIENCY_FACTOR[level] ?? 0));
  }
  return covered / total;
}

/**
 * Whether two cards are a job and a person, the only pair a person's hiring fields
 * (domain/cardRules.ts `HiringField`) count between. People are never shown another
 * person's hiring fields, so a score between two people may not depend on them
 * either: one could read another's culture answers off the score by changing their own.
 */
function isHiringPair(a: Pick<Card, 'kind'>, b: Pick<Card, 'kind'>): boolean {
  return (a.kind === 'job') !== (b.kind === 'job');
}

function tagFit(a: Card, b: Card): number | null {
  if (a.kind === 'job') return tagCoverage(a.tags, b.tags);
  if (b.kind === 'job') return tagCoverage(b.tags, a.tags);
  // Two people: interests count both ways.
  const ab = tagCoverage(a.tags, b.tags);
  const ba = tagCoverage(b.tags, a.tags);
  return ab === null || ba === null ? null : (ab + ba) / 2;
}

/** Fit of a person's years to a job's minimum: none below it, full up to 5 years over, then less. */
export function experienceFit(years: number, minimum: number): number {
  if (years < minimum) return 0;
  const over = years - minimum - EXPERIENCE_FULL_FIT_YEARS;
  return over <= 0 ? 1 : Math.max(0.5, 1 - 0.1 * over);
}

function experience(a: Card, b: Card): number | null {
  const job = a.kind === 'job' ? a : b.kind === 'job' ? b : undefined;
  const person = job === a ? b : a;
  if (!job || person.kind !== 'person' || job.experienceYears === null || person.experienceYears === null) return null;
  return experienceFit(person.experienceYears, job.experienceYears);
}

function salaryRange(card: Card): readonly [number, number] | null {
  const low = card.salaryMin ?? card.salaryMax;
  const high = card.salaryMax ?? card.salaryMin;
  return low === null || high === null ? null : [low, high];
}

/** The overlap of two salary ranges over the narrower one; a single figure fits when the other range holds it. */
export function salaryFit(a: readonly [number, number], b: readonly [number, number]): number {
  const overlap = Math.min(a[1], b[1]) - Math.max(a[0], b[0]);
  if (overlap < 0) return 0;
  const narrower = Math.min(a[1] - a[0], b[1] - b[0]);
  return narrower === 0 ? 1 : overlap / narrower;
}

/** One minus the mean difference over the culture and pace traits both cards give. */
export function cultureFit(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): number | null {
  const shared = Object.keys(a).filter((key) => Object.prototype.hasOwnProperty.call(b, key));
  if (shared.length === 0) return null;
  const meanGap = shared.reduce((sum, key) => sum + Math.abs((a[key] as number) - (b[key] as number)), 0) / shared.length;
  return 1 - meanGap;
}

export type ScoreParts = { readonly [part in ScorePart]: number | null };

/**
 * Each part of the score of `candidate` for `searcher`, 0–1, or null where a
 * card lacks the fields the part needs. Verification is the candidate's. The
 * hiring parts (experience, salary, culture) are null unless one card is a job
 * and the other a person: two people, or two jobs, are scored on tags, bios and
 * verification alone, whatever hiring fields either card gives.
 */
export function scoreParts(searcher: ScoredCard, candidate: ScoredCard): ScoreParts {
  const hiring = isHiringPair(searcher, candidate);
  const salaryA = hiring ? salaryRange(searcher) : null;
  const salaryB = hiring ? salaryRange(candidate) : null;
  return {
    tags: tagFit(searcher, candidate),
    experience: hiring ? experience(searcher, candidate) : null,
    text: wordSetSimilarity(searcher.words ?? wordSet(searcher.bio), candidate.words ?? wordSet(candidate.bio)),
    salary: salaryA && salaryB ? salaryFit(salaryA, salaryB) : null,
    culture: hiring ? cultureFit(searcher.culture, candidate.culture) : null,
    verification: candidate.verified ? 1 : 0,
  };
}

/**
 * The 0–100 score, rounded to one decimal: the weighted mean of the parts
 * that apply, so a card is judged on the fields that exist for its kind. 0
 * when verification is the only one: it says who the candidate is, not how
 * they fit, and alone it would be a mean of 100 for a verified card with no
 * tags, bio or culture, heading every deck.
 */
export function matchScore(searcher: ScoredCard, candidate: ScoredCard): number {
  const parts = scoreParts(searcher, candidate);
  let weight = 0;
  let sum = 0;
  for (const part of Object.keys(SCORE_WEIGHTS) as ScorePart[]) {
    const value = parts[part];
    if (value === null) continue;
    weight += SCORE_WEIGHTS[part];
    sum += SCORE_WEIGHTS[part] * value;
  }
  if (weight === SCORE_WEIGHTS.verification) return 0;
  return Math.round((1000 * sum) / weight) / 10;
}

export function isShown(score: number): boolean {
  return score >= SHOW_THRESHOLD;
}
