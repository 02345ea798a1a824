import type { PlannedSwipe } from '../jobs';

export interface SwipePlanInput {
  /** The worker's users' cards; cards 2p and 2p+1 belong to the two sides of pair p. */
  readonly ownCards: readonly string[];
  /** Every card of the run, the worker's own among them, to swipe on. */
  readonly allCards: readonly string[];
  /** Where the worker's first card sits in `allCards`. */
  readonly offset: number;
  readonly slots: number;
  /** Share of the slots that are the likes of mutual pairs (two slots per pair). */
  readonly mutualFraction: number;
  /**
   * Popular cards: when above 0, every other like goes to one of the first `hotCards`
   * odd-side cards of the run (`allCards[1]`, `allCards[3]`, ...), whose owners only pass.
   */
  readonly hotCards?: number;
}

export interface SwipePlan {
  readonly swipes: PlannedSwipe[];
  readonly mutualPairs: number;
}

/**
 * A deterministic plan in which the mutual pairs are exactly the planned ones:
 * pair p's sides like each other in two consecutive slots; every other swipe
 * goes to a card no one planned to swipe back on (odd-side users only pass, and
 * the even side never reaches a card that reaches it back within a run). With
 * `hotCards`, those likes go to popular odd-side cards instead, each user's to a
 * different one each time (while there are more popular cards than likes).
 */
export function planSwipes(input: SwipePlanInput): SwipePlan {
  const users = input.ownCards.length;
  const pairs = Math.floor(users / 2);
  const mutualPairs = Math.round((input.slots * input.mutualFraction) / 2);
  if (mutualPairs > pairs) {
    throw new Error(`a mutual fraction of ${input.mutualFraction} over ${input.slots} swipes needs ${mutualPairs * 2} users per worker; raise --users`);
  }
  const mutualAt = new Map<number, number>(); // slot -> pair
  for (let p = 0; p < mutualPairs; p++) {
    const slot = Math.min(input.slots - 2, Math.floor((p * input.slots) / mutualPairs));
    let s = slot;
    while (mutualAt.has(s) || mutualAt.has(s + 1)) s += 2;
    mutualAt.set(s, p);
    mutualAt.set(s + 1, p);
  }

  const hotCards = Math.min(input.hotCards ?? 0, Math.floor(input.allCards.length / 2));
  const swipes: PlannedSwipe[] = [];
  const swiped = new Array<number>(users).fill(0);
  let next = 0;
  for (let slot = 0; slot < input.slots; slot++) {
    const pair = mutualAt.get(slot);
    if (pair !== undefined) {
      const first = mutualAt.get(slot - 1) !== pair;
      const user = first ? 2 * pair : 2 * pair + 1;
      swipes.push({ user, toCardId: input.ownCards[first ? 2 * pair + 1 : 2 * pair]!, action: 'like' });
      continue;
    }
    const user = next++ % users;
    const self = input.offset + user;
    const partner = input.offset + (user ^ 1);
    let target = (self + 2 + swiped[user]!) % input.allCards.length;
    while (target === self || target === partner) target = (target + 1) % input.allCards.length;
    swiped[user] = swiped[user]! + 1;
    const likes = user % 2 === 0 && swiped[user]! % 5 < 2;
    // A user whose partner owns a popular card likes as without them: its pair stays the planned one.
    const hot = likes && hotCards > 0 && partner >= 2 * hotCards ? 2 * ((user + swiped[user]!) % hotCards) + 1 : undefined;
    swipes.push({ user, toCardId: input.allCards[hot ?? target]!, action: likes ? 'like' : 'pass' });
  }
  return { swipes, mutualPairs };
}

