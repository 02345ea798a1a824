import { z } from 'zod';
import { CARD_PHOTOS_MAX, type Card, type HiringField } from '../domain/cardRules';
import type { CardViewer } from '../domain/cardVisibility';
import { Uuid } from './common';
import { EventAlias } from './liveEvents';

/** Bodies and answers of the card, preference and operator routes. Shared by the server, tests and load generators. */
export const CARD_TITLE_MAX = 120;
export const CARD_BIO_MAX = 2000;
export const CARD_TAGS_MAX = 30;
const SALARY_MAX = 10_000_000;

const Tag = z.strictObject({ tag: z.string().trim().min(1).max(40), weight: z.number().int().min(1).max(5) });
const Label = z.string().trim().min(1).max(40);
const nullableInt = (min: number, max: number) => z.number().int().min(min).max(max).nullable();

export const PHOTO_URL_MAX = 2048;
export const PHOTO_SIDE_MAX = 20_000;

/**
 * A photo reference: where the app's storage provider serves it (https, a public
 * host name), its size in pixels, and optionally a blurhash to show while it loads.
 * Kismet never receives the bytes.
 */
export const PhotoRef = z.strictObject({
  url: z.url({ protocol: /^https$/, hostname: z.regexes.domain }).max(PHOTO_URL_MAX),
  width: z.number().int().min(1).max(PHOTO_SIDE_MAX),
  height: z.number().int().min(1).max(PHOTO_SIDE_MAX),
  blurhash: z.string().regex(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,100}$/, 'blurhash: 6–100 characters of the blurhash alphabet').optional(),
});
export type PhotoRef = z.infer<typeof PhotoRef>;

const cardFields = {
  title: z.string().trim().min(1).max(CARD_TITLE_MAX),
  bio: z.string().max(CARD_BIO_MAX),
  /** Skills or interests, weighted 1–5 by proficiency or importance. */
  tags: z.array(Tag).max(CARD_TAGS_MAX),
  birthYear: nullableInt(1900, 2100),
  experienceYears: nullableInt(0, 80),
  salaryMin: nullableInt(0, SALARY_MAX),
  salaryMax: nullableInt(0, SALARY_MAX),
  workAuthorizations: z.array(Label).max(20),
  remote: z.boolean(),
  /** Culture and pace, each 0–1 (e.g. `{ "pace": 0.8 }`). */
  culture: z.record(Label, z.number().min(0).max(1)).refine((c) => Object.keys(c).length <= 12, 'at most 12 entries'),
  /** Where a job is; a person's card follows its owner's location instead. */
  lat: z.number().min(-90).max(90).nullable(),
  lng: z.number().min(-180).max(180).nullable(),
  /** Up to six, in order; the first is the cover. */
  photos: z.array(PhotoRef).max(CARD_PHOTOS_MAX),
};

const salaryOrdered = (c: { salaryMin?: number | null | undefined; salaryMax?: number | null | undefined }) =>
  c.salaryMin == null || c.salaryMax == null || c.salaryMin <= c.salaryMax;
const locationWhole = (c: { lat?: number | null | undefined; lng?: number | null | undefined }) => (c.lat == null) === (c.lng == null);

export const CreateCardBody = z
  .strictObject({
    kind: z.enum(['person', 'job']),
    title: cardFields.title,
    bio: cardFields.bio.default(''),
    tags: cardFields.tags.default([]),
    birthYear: cardFields.birthYear.optional(),
    experienceYears: cardFields.experienceYears.optional(),
    salaryMin: cardFields.salaryMin.optional(),
    salaryMax: cardFields.salaryMax.optional(),
    workAuthorizations: cardFields.workAuthorizations.default([]),
    remote: cardFields.remote.default(false),
    culture: cardFields.culture.default({}),
    lat: cardFields.lat.optional(),
    lng: cardFields.lng.optional(),
    photos: cardFields.photos.default([]),
  })
  .refine(salaryOrdered, { message: 'salaryMin must not exceed salaryMax', path: ['salaryMin'] })
  .refine(locationWhole, { message: 'lat and lng come together', path: ['lat'] })
  .refine((c) => c.kind !== 'person' || c.birthYear != null, { message: 'a person card needs birthYear', path: ['birthYear'] });
export type CreateCardBody = z.infer<typeof CreateCardBody>;

export const UpdateCardBody = z
  .strictObject({
    title: cardFields.title.optional(),
    bio: cardFields.bio.optional(),
    tags: cardFields.tags.optional(),
    birthYear: cardFields.birthYear.optional(),
    experienceYears: cardFields.experienceYears.optional(),
    salaryMin: cardFields.salaryMin.optional(),
    salaryMax: cardFields.salaryMax.optional(),
    workAuthorizations: cardFields.workAuthorizations.optional(),
    remote: cardFields.remote.optional(),
    culture: cardFields.culture.optional(),
    lat: cardFields.lat.optional(),
    lng: cardFields.lng.optional(),
    photos: cardFields.photos.optional(),
  })
  .refine((c) => Object.keys(c).length > 0, { message: 'nothing to update' })
  .refine(salaryOrdered, { message: 'salaryMin must not exceed salaryMax', path: ['salaryMin'] })
  .refine(locationWhole, { message: 'lat and lng come together', path: ['lat'] });
export type UpdateCardBody = z.infer<typeof UpdateCardBody>;

/** A card whole, as its owner sees it: coordinates stay private, even to the owner. */
export type WholeCardView = Omit<Card, 'lat' | 'lng'>;

/**
 * A card as someone is shown it: a person's hiring fields only to the owner and to jobs that reach them,
 * their birth year only to the owner and to people (`toCardView`). A job shows everything.
 */
export type CardView = Omit<WholeCardView, HiringField | 'birthYear'> & Partial<Pick<WholeCardView, HiringField | 'birthYear'>>;

export type { CardViewer };

/** The card without its coordinates: what the owner sees, and what nodes tell each other of an edit. */
export function wholeCardView(card: Card): WholeCardView {
  const { lat: _lat, lng: _lng, ...whole } = card;
  return whole;
}

/**
 * A card as `viewer` is shown it. One person card serves dating and hiring: people see a
 * person's profile without what they told employers (salary, work authorisation,
 * experience, remote, culture), and jobs see it without the birth year. One destructuring
 * per card: decks build thousands of these.
 * @example toCardView(card, 'person') // no salaryMin, workAuthorizations, ...
 */
export function toCardView(card: WholeCardView & Partial<Pick<Card, 'lat' | 'lng'>>, viewer: CardViewer): CardView {
  if (card.kind === 'job' || viewer === 'owner') {
    const { lat: _lat, lng: _lng, ...whole } = card;
    return whole;
  }
  if (viewer === 'job') {
    const { lat: _lat, lng: _lng, birthYear: _year, ...hiring } = card;
    return hiring;
  }
  const { lat: _lat, lng: _lng, experienceYears: _e, salaryMin: _sn, salaryMax: _sx, workAuthorizations: _w, remote: _r, culture: _c, ...dating } = card;
  if (viewer === 'person') return dating;
  const { birthYear: _year, ...common } = dating;
  return common;
}

/** `GET /cards/:id?as=`: the card of the caller's own they look as (a person card: dating; a job: hiring, of a person it reaches, domain/jobReach.ts), see `toCardView`. */
export const CardReadQuery = z.strictObject({ as: Uuid.optional() });
export type CardReadQuery = z.infer<typeof CardReadQuery>;

/** The most cards one page of `GET /me/cards` holds, and how many when the caller does not say. */
export const CARD_PAGE_MAX = 100;
export const CARD_PAGE_DEFAULT = 50;

/** `GET /me/cards?limit=&after=`: the caller's cards, oldest first; `after` is the last card of the previous page. */
export const CardListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(CARD_PAGE_MAX).default(CARD_PAGE_DEFAULT),
  after: Uuid.optional(),
});
export type CardListQuery = z.infer<typeof CardListQuery>;

/** A page of the caller's cards; `after` pages on, null on the last page. */
export interface CardPage {
  readonly cards: CardView[];
  readonly after: string | null;
}

export const PreferencesBody = z
  .strictObject({
    maxDistanceKm: z.number().int().min(1).max(500).default(25),
    ageMin: nullableInt(18, 120).default(null),
    ageMax: nullableInt(18, 120).default(null),
    salaryMin: nullableInt(0, SALARY_MAX).default(null),
    remoteOnly: z.boolean().default(false),
    minExperienceYears: nullableInt(0, 80).default(null),
    workAuthorizations: z.array(Label).max(20).default([]),
    cardKind: z.enum(['person', 'job']).nullable().default(null),
  })
  .refine((p) => p.ageMin == null || p.ageMax == null || p.ageMin <= p.ageMax, { message: 'ageMin must not exceed ageMax', path: ['ageMin'] });
export type PreferencesBody = z.infer<typeof PreferencesBody>;
export type PreferencesView = PreferencesBody;

/** `POST /admin/users/:id`: what an operator (or the billing system) changes on an account. */
export const AdminUserBody = z
  .strictObject({
    isPremium: z.boolean().optional(),
    role: z.enum(['member', 'recruiter']).optional(),
    /** A banned account cannot log in, and its connections are closed everywhere at once. */
    banned: z.boolean().optional(),
    /** A shadow-banned account's cards leave every other deck; its own deck keeps working. */
    shadowBanned: z.boolean().optional(),
    /** Why, for the audit log (1–2000 characters); it changes nothing on its own. */
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .refine((b) => Object.keys(b).some((key) => key !== 'note'), { message: 'nothing to change' });
export type AdminUserBody = z.infer<typeof AdminUserBody>;

/**
 * `POST /reports`: who is reported, for what, and where it happened: a profile
 * (a card id), a message (`<matchId>:<seq>`), a call or an event (their ids);
 * someone seen in a live event may be named by the alias it showed them by.
 * The id's shape by context, and that it is the reporter's to name, are checked
 * by the route (domain/reportContext.ts).
 */
export const ReportBody = z.strictObject({
  /** The reported person's user id, or, in a report of a live event (`event`), their alias in it (contracts/liveEvents.ts EventAlias). */
  userId: z.union([Uuid, EventAlias]),
  context: z.enum(['profile', 'message', 'call', 'event']),
  /** Required: a report names something of the reporter's own with the person, so nobody reports someone they never met. */
  contextId: z.string().min(1).max(120),
  reason: z.string().trim().min(1).max(1000),
});
export type ReportBody = z.infer<typeof ReportBody>;

/** `POST /me/blocks`: the user to block. */
export const BlockBody = z.strictObject({ userId: Uuid });
export type BlockBody = z.infer<typeof BlockBody>;
