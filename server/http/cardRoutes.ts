import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import {
  deactivateCard,
  insertCardWithinLimits,
  listCardsByOwner,
  updateCard,
} from '../../db/repositories/cardRepository';
import { findPreferences, savePreferences } from '../../db/repositories/preferenceRepository';
import { findUserLocation } from '../../db/repositories/userRepository';
import { findViewableCard } from '../../services/cardVisibility';
import { withdrawCards } from '../../services/moderation';
import { placeJob } from '../../services/jobPlacements';
import { countCompletedProfile } from '../../services/progress';
import type { RateLimiter } from '../../services/rateLimiter';
import type { Database } from '../../db/types';
import { NEW_CARDS_WINDOW_MS, canEditCard, checkPersonBirthYear, type Card } from '../../domain/cardRules';
import { AppError, ErrorCode } from '../../domain/errors';
import { cellForLocation } from '../../domain/geo';
import { discoveryPoint } from '../../domain/locationPrivacy';
import { WITHDRAWALS_TOPIC, type UserEventBus, type WithdrawalBus } from '../../services/topicBus';
import {
  CardListQuery,
  CardReadQuery,
  CreateCardBody,
  PreferencesBody,
  UpdateCardBody,
  toCardView,
  wholeCardView,
  type CardPage,
  type CardViewer,
} from '../../contracts/cards';
import { jsonReply, parseBody, parseQuery, route, type HttpCall, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';
import { Uuid } from '../../contracts/common';
import { mediaUrlAllowed, type MediaHosts } from '../../domain/hostNames';

export interface CardRouteDeps {
  readonly db: Kysely<Database>;
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  readonly h3Resolution: number;
  /** Where photos may be served from (MEDIA_HOSTS). */
  readonly mediaHosts: MediaHosts;
  readonly userEvents: UserEventBus;
  readonly withdrawals: WithdrawalBus;
  /** The limiter a job's placements spend their owner's `location` bucket from: the cluster's, as HTTP calls reach any node. */
  readonly placementLimits: RateLimiter;
  readonly now: () => Date;
}

/** Cards (profiles and jobs), and the signed-in user's deck preferences. */
export function mountCardRoutes(app: TemplatedApp, deps: CardRouteDeps, options: RouteOptions): void {
  const { db } = deps;
  const signedIn = deps.signedIn.userId;
  const cellOf = (lat: number | null | undefined, lng: number | null | undefined) =>
    lat == null || lng == null ? null : cellForLocation(lat, lng, deps.h3Resolution);

  /** The card at `:id` if the caller may see it, and as whom they look (`as`: a card of theirs); missing and hidden look the same. */
  const readableCard = async (call: HttpCall, userId: string, as?: string): Promise<{ card: Card; viewer: CardViewer }> => {
    const id = Uuid.safeParse(call.params[0]);
    const found = id.success ? await findViewableCard(db, userId, id.data, as) : undefined;
    if (!found) throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such card');
    return found;
  };
  /** Photos only from the app's storage: every device showing the card fetches them. */
  const refuseForeignPhotos = (photos: ReadonlyArray<{ readonly url: string }> | undefined) => {
    const foreign = photos?.findIndex((photo) => !mediaUrlAllowed(photo.url, deps.mediaHosts)) ?? -1;
    if (foreign >= 0) throw new AppError(ErrorCode.INVALID_BODY, `photos.${foreign}.url: not on the app's media hosts`);
  };
  const ownCard = async (call: HttpCall, userId: string): Promise<Card> => {
    const { card } = await readableCard(call, userId);
    if (!canEditCard(card, userId)) throw new AppError(ErrorCode.NOT_YOUR_CARD, 'only the owner changes a card');
    return card;
  };

  /** A person card's birth year, as its owner gives it: an adult's, this year. */
  const refuseUnderage = (birthYear: number | null) => {
    const check = checkPersonBirthYear(birthYear, deps.now().getUTCFullYear());
    if (check.kind === 'refused') throw new AppError(check.code, check.message);
  };

  route(app, 'post', '/cards', async (call) => {
    const userId = await signedIn(call);
    const body = parseBody(CreateCardBody, call);
    refuseForeignPhotos(body.photos);
    if (body.kind === 'person' && body.lat != null) {
      throw new AppError(ErrorCode.INVALID_BODY, "lat: a person's card is where its owner is (location.update)");
    }
    if (body.kind === 'person') refuseUnderage(body.birthYear ?? null);
    // A person's card is where others see its owner: the centre of their privacy cell.
    const exact = body.kind === 'person' ? await findUserLocation(db, userId) : undefined;
    const location = exact && discoveryPoint(exact);
    const placed = body.kind === 'job' && body.lat != null && body.lng != null;
    if (placed) await placeJob(deps, userId, undefined, { lat: body.lat as number, lng: body.lng as number });
    // The owner's limits are counted under their row's lock, so concurrent creations count each other.
    const created = await insertCardWithinLimits(db, {
      id: randomUUID(),
      ownerId: userId,
      kind: body.kind,
      title: body.title,
      bio: body.bio,
      tags: body.tags,
      birthYear: body.birthYear ?? null,
      experienceYears: body.experienceYears ?? null,
      salaryMin: body.salaryMin ?? null,
      salaryMax: body.salaryMax ?? null,
      workAuthorizations: body.workAuthorizations,
      remote: body.remote,
      culture: body.culture,
      photos: body.photos,
      lat: location?.lat ?? body.lat ?? null,
      lng: location?.lng ?? body.lng ?? null,
      h3Cell: location ? cellOf(location.lat, location.lng) : cellOf(body.lat, body.lng),
      ...(placed ? { locatedAt: deps.now() } : {}),
    }, new Date(deps.now().getTime() - NEW_CARDS_WINDOW_MS));
    if (created.kind === 'no-account') throw new AppError(ErrorCode.TOKEN_INVALID, 'this account no longer exists');
    if (created.kind === 'refused') throw new AppError(created.code, created.message);
    const { card } = created;
    await countCompletedProfile(deps, card);
    return jsonReply(201, toCardView(card, 'owner'));
  }, options);

  route(app, 'get', '/cards/:id', async (call) => {
    const userId = await signedIn(call);
    const { card, viewer } = await readableCard(call, userId, parseQuery(CardReadQuery, call).as);
    return jsonReply(200, toCardView(card, viewer));
  }, options);

  route(app, 'patch', '/cards/:id', async (call) => {
    const userId = await signedIn(call);
    const body = parseBody(UpdateCardBody, call);
    refuseForeignPhotos(body.photos);
    const card = await ownCard(call, userId);
    if (card.kind === 'person' && body.lat !== undefined) {
      throw new AppError(ErrorCode.INVALID_BODY, "lat: a person's card is where its owner is (location.update)");
    }
    if (card.kind === 'person' && body.birthYear !== undefined) refuseUnderage(body.birthYear);
    const salaryMin = body.salaryMin === undefined ? card.salaryMin : body.salaryMin;
    const salaryMax = body.salaryMax === undefined ? card.salaryMax : body.salaryMax;
    if (salaryMin !== null && salaryMax !== null && salaryMin > salaryMax) {
      throw new AppError(ErrorCode.INVALID_BODY, 'salaryMin: must not exceed salaryMax');
    }
    let moved = {};
    if (body.lat !== undefined) {
      const next = body.lat === null || body.lng == null ? null : { lat: body.lat, lng: body.lng };
      await placeJob(deps, userId, card.id, next);
      moved = { lat: next?.lat ?? null, lng: next?.lng ?? null, h3Cell: next && cellOf(next.lat, next.lng), locatedAt: deps.now() };
    }
    const updated = await updateCard(db, card.id, { ...body, ...moved });
    // What the card looks for changed: its decks are rebuilt on the next ask, this answer's device's included;
    // and what it shows changed: every deck that holds it shows it as it is now.
    await Promise.all([
      deps.userEvents.publishApplied(userId, { kind: 'deck.invalidate' }),
      updated.active ? deps.withdrawals.publishApplied(WITHDRAWALS_TOPIC, { kind: 'edited', card: wholeCardView(updated) }) : undefined,
    ]);
    await countCompletedProfile(deps, updated);
    return jsonReply(200, toCardView(updated, 'owner'));
  }, options);

  route(app, 'del', '/cards/:id', async (call) => {
    const userId = await signedIn(call);
    const card = await ownCard(call, userId);
    if (!card.active) return jsonReply(200, toCardView(card, 'owner'));
    const deactivated = await deactivateCard(db, card.id);
    // Out of every deck before the answer, and its own decks are no longer served.
    await withdrawCards(deps, userId, [card.id]);
    return jsonReply(200, toCardView(deactivated, 'owner'));
  }, options);

  route(app, 'get', '/me/cards', async (call) => {
    const userId = await signedIn(call);
    const query = parseQuery(CardListQuery, call);
    const page = await listCardsByOwner(db, userId, query);
    if (!page) throw new AppError(ErrorCode.INVALID_BODY, 'after: not one of your cards');
    const last = page.cards[page.cards.length - 1];
    const answer: CardPage = { cards: page.cards.map((card) => toCardView(card, 'owner')), after: page.more && last ? last.id : null };
    return jsonReply(200, answer);
  }, options);

  route(app, 'get', '/me/preferences', async (call) => jsonReply(200, await findPreferences(db, await signedIn(call))), options);

  route(app, 'put', '/me/preferences', async (call) => {
    const userId = await signedIn(call);
    const body = parseBody(PreferencesBody, call);
    await savePreferences(db, userId, body);
    await deps.userEvents.publishApplied(userId, { kind: 'deck.invalidate' });
    return jsonReply(200, body);
  }, options);
}
