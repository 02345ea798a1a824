/**
 * What a node drops when it falls behind, in the order it drops it: first
 * profile-view notices, then typing indicators, then "nearby now" figures.
 * Nothing else is ever dropped: messages, matches, swipes, acknowledgements and
 * call signalling are protected whatever the load.
 */
export const SHEDDING_ORDER = ['profile.viewed', 'typing', 'nearby.now'] as const;
export type SheddableTraffic = (typeof SHEDDING_ORDER)[number];

export const PROTECTED_TRAFFIC = ['message', 'match', 'swipe', 'ack', 'call'] as const;
export type ProtectedTraffic = (typeof PROTECTED_TRAFFIC)[number];

export type Traffic = SheddableTraffic | ProtectedTraffic;

/** The event-loop lag above which a node starts shedding, unless configured. */
export const DEFAULT_LAG_LIMIT_MS = 200;

/**
 * How many kinds of sheddable traffic go at this lag: none below the limit,
 * the first at the limit, one more at each further multiple of it.
 */
export function sheddingLevel(lagMs: number, limitMs: number): number {
  if (!(lagMs >= limitMs) || !(limitMs > 0)) return 0;
  return Math.min(SHEDDING_ORDER.length, Math.floor(lagMs / limitMs));
}

export function shouldShed(traffic: Traffic, lagMs: number, limitMs: number): boolean {
  const rank = (SHEDDING_ORDER as readonly string[]).indexOf(traffic);
  return rank >= 0 && rank < sheddingLevel(lagMs, limitMs);
}
