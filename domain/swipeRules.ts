import type { CardKind } from './cardRules';
import { canViewCard } from './cardVisibility';
import { ErrorCode } from './errors';

export type SwipeAction = 'like' | 'pass' | 'superlike';
export type { CardKind };

/** Free accounts may like this many cards a day (UTC); premium has no limit. */
export const DEFAULT_DAILY_LIKE_QUOTA = 100;

export interface SwipePolicy {
  readonly dailyLikeQuota: number;
}

export interface SwipeCard {
  readonly id: string;
  readonly ownerId: string;
  readonly kind: CardKind;
  readonly active: boolean;
  /** The owner is banned or shadow-banned (or gone): others must not see the card. */
  readonly ownerHidden: boolean;
}

/** Everything the swipe rules look at, read in one go before deciding. */
export interface SwipeContext {
  readonly swiperId: string;
  readonly swiperIsPremium: boolean;
  readonly from: SwipeCard | undefined;
  readonly to: SwipeCard | undefined;
  /** Either owner blocked the other. */
  readonly blocked: boolean;
  /** The two owners' match ended, by an unmatch or a block (domain/cardVisibility.ts `formerMatch`). */
  readonly formerMatch: boolean;
  /** The earlier swipe of this same pair, and the match it made, if any. */
  readonly previous: { readonly action: SwipeAction; readonly matchId: string | null } | undefined;
  /** Likes and superlikes the swiper made since the start of the current quota day. */
  readonly likesToday: number;
}

export type SwipeDecision =
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string }
  /** The pair was swiped before: answered with the first result, nothing written. */
  | { readonly kind: 'repeat'; readonly action: SwipeAction; readonly matchId: string | null }
  | { readonly kind: 'record'; readonly action: SwipeAction };

export function isLike(action: SwipeAction): boolean {
  return action !== 'pass';
}

const refused = (code: ErrorCode, message: string): SwipeDecision => ({ kind: 'refused', code, message });

/**
 * The rules of one swipe from a card of the swiper's to another card. Ownership
 * and self come first, then a repeat (so a resend gets the first answer even if a
 * card changed since), then whether the swiper may see the card swiped on, the
 * card swiped from, kinds and the like quota.
 *
 * A card the swiper may not see (deactivated, of a banned or shadow-banned owner,
 * a block either way, or an owner whose match with the swiper ended: `canViewCard`,
 * the rule of the card route and profile views) is refused exactly as a card that
 * does not exist, before anything that tells it exists: a swipe, a pass included,
 * must not tell who blocked whom or who is banned, nor let a like reach an account
 * nobody else sees or an ex-match.
 */
export function decideSwipe(context: SwipeContext, action: SwipeAction, policy: SwipePolicy): SwipeDecision {
  const { from, to } = context;
  if (!from) return refused(ErrorCode.CARD_NOT_FOUND, 'the card you swipe from does not exist');
  if (from.ownerId !== context.swiperId) return refused(ErrorCode.NOT_YOUR_CARD, 'you can swipe only from a card of your own');
  if (!to) return refused(ErrorCode.CARD_NOT_FOUND, MISSING_TARGET);
  if (to.id === from.id || to.ownerId === context.swiperId) return refused(ErrorCode.SELF_SWIPE, 'you cannot swipe on your own card');
  if (context.previous) return { kind: 'repeat', action: context.previous.action, matchId: context.previous.matchId };
  if (!canViewCard({ card: to, viewerId: context.swiperId, blockedEitherWay: context.blocked, formerMatch: context.formerMatch, ownerHidden: to.ownerHidden })) {
    return refused(ErrorCode.CARD_NOT_FOUND, MISSING_TARGET);
  }
  if (!from.active) return refused(ErrorCode.CARD_INACTIVE, 'the card you swipe from is deactivated');
  if (from.kind === 'job' && to.kind === 'job') return refused(ErrorCode.INCOMPATIBLE_CARDS, 'a job cannot swipe on a job');
  if (isLike(action) && !context.swiperIsPremium && context.likesToday >= policy.dailyLikeQuota) {
    return refused(ErrorCode.LIKE_QUOTA_EXCEEDED, `free accounts may like ${policy.dailyLikeQuota} cards a day`);
  }
  return { kind: 'record', action };
}

/** One answer for a card swiped on that is missing or hidden from the swiper: the two look the same. */
const MISSING_TARGET = 'the card you swiped on does not exist';

/** Start of the quota day that holds `nowMs`: midnight UTC. */
export function quotaDayStartMs(nowMs: number): number {
  return nowMs - (((nowMs % 86_400_000) + 86_400_000) % 86_400_000);
}

/** Likes left today, or null for no limit. */
export function likesLeft(isPremium: boolean, likesToday: number, policy: SwipePolicy): number | null {
  return isPremium ? null : Math.max(0, policy.dailyLikeQuota - likesToday);
}

export interface LastSwipe {
  readonly id: string;
  readonly action: SwipeAction;
  readonly fromCardId: string;
  readonly toCardId: string;
}

export type RewindDecision =
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string }
  | { readonly kind: 'rewind'; readonly swipe: LastSwipe };

/**
 * Rewind undoes the swiper's most recent swipe when it was a pass, once: after a
 * rewind there is nothing to rewind until the next swipe, whatever sessions come
 * and go. Swipe ids only grow, so the newest swipe was made after the last rewind
 * exactly when its id is greater than the rewound one's. Premium only.
 */
export function decideRewind(input: {
  readonly isPremium: boolean;
  readonly last: LastSwipe | undefined;
  /** The id of the last swipe the swiper rewound, if any. */
  readonly lastRewoundId: string | null;
}): RewindDecision {
  if (!input.isPremium) return { kind: 'refused', code: ErrorCode.PREMIUM_REQUIRED, message: 'rewind is a premium feature' };
  if (!input.last || (input.lastRewoundId !== null && BigInt(input.last.id) <= BigInt(input.lastRewoundId))) {
    return { kind: 'refused', code: ErrorCode.NOTHING_TO_REWIND, message: 'there is no swipe to rewind' };
  }
  if (input.last.action !== 'pass') {
    return { kind: 'refused', code: ErrorCode.NOTHING_TO_REWIND, message: 'only a pass can be rewound' };
  }
  return { kind: 'rewind', swipe: input.last };
}

/** Card ids of a pair in the order the pair tables store them (a < b). */
export function orderedPair(cardX: string, cardY: string): { readonly a: string; readonly b: string; readonly xIsA: boolean } {
  return cardX < cardY ? { a: cardX, b: cardY, xIsA: true } : { a: cardY, b: cardX, xIsA: false };
}
