import { PROFILE_VIEW_NOTIFY_INTERVAL_MS } from './userEvents';

/**
 * Token buckets: each user may spend `burst` actions at once, and earns back
 * `perSecond` of them a second. One bucket per user and kind of action, shared
 * by all their devices (and, in a cluster, all nodes).
 */
export interface RateRule {
  readonly perSecond: number;
  readonly burst: number;
}

export interface Bucket {
  readonly tokens: number;
  readonly atMs: number;
}

/**
 * Everything a user (or an address) does that costs others something: fans out
 * to other people, creates actors, or runs expensive work. Each has its own
 * bucket, shared by all the user's devices and nodes.
 */
export const RATE_LIMITED_ACTIONS = [
  'message',
  'swipe',
  'typing',
  'location',
  'deck',
  'profile.view',
  'profile.notice',
  'presence',
  'call',
  'event.chat',
  'event.hand',
  'thread',
  'login.account',
  'login.address',
  'register.address',
  'refresh.address',
  'refresh.session',
  'request',
  'account.export',
  'report',
] as const;

export type RateLimitedAction = (typeof RATE_LIMITED_ACTIONS)[number];

export function isRateLimitedAction(value: string): value is RateLimitedAction {
  return (RATE_LIMITED_ACTIONS as readonly string[]).includes(value);
}

/**
 * Log-in attempts: per account from one address (guessing one password: a
 * stranger elsewhere spends only their own bucket, never the owner's) and per
 * address (trying many accounts). Registration per address, since each one
 * runs the password hash. Refreshes and log-outs per address, since each reads
 * the database before it knows the token is nobody's: many devices behind one
 * NAT each refresh every quarter of an hour, a script sends them as fast as it
 * can. And refreshes per session (one chain of refresh tokens): each writes a
 * token that is kept until it expires, and a device refreshes every quarter of
 * an hour, not hundreds of times a second. Generous for people, slow for scripts.
 * An address is an IPv4 address or an IPv6 /64, which one host holds whole
 * (server/http/clientAddress.ts).
 */
export const LOGIN_RULES: Readonly<Record<'login.account' | 'login.address' | 'register.address' | 'refresh.address' | 'refresh.session', RateRule>> = {
  'login.account': { perSecond: 5 / 60, burst: 5 },
  'login.address': { perSecond: 30 / 60, burst: 30 },
  'register.address': { perSecond: 10 / 3600, burst: 10 },
  'refresh.address': { perSecond: 20, burst: 200 },
  'refresh.session': { perSecond: 1 / 10, burst: 10 },
};

/**
 * A signed-in person's HTTP calls, on every node together: an app makes a few as it
 * opens and after an action, a script reading cards or filing reports makes them
 * as fast as it can. An export reads everything the account holds, and a report is
 * stored and sent to the moderators and the domain event bus, so each has its own
 * small bucket besides: a person reports someone now and then, not ten a second.
 */
export const HTTP_RULES: Readonly<Record<'request' | 'account.export' | 'report', RateRule>> = {
  request: { perSecond: 10, burst: 100 },
  'account.export': { perSecond: 1 / 600, burst: 3 },
  report: { perSecond: 1 / 60, burst: 10 },
};

/**
 * The other commands' buckets. "typing" is relayed at most every 3 s anyway;
 * a location update may move the user to another lobby actor; a deck may
 * build; a profile view, a presence change and a call ring other people; an
 * event's chat and hands reach the whole audience; a thread's pages (history,
 * sync), read markers and deletions each read or write storage, as an HTTP call.
 */
export const COMMAND_RULES: Readonly<Record<Exclude<RateLimitedAction, 'message' | 'swipe' | keyof typeof LOGIN_RULES | keyof typeof HTTP_RULES>, RateRule>> = {
  typing: { perSecond: 2, burst: 10 },
  location: { perSecond: 1 / 10, burst: 10 },
  deck: { perSecond: 2, burst: 30 },
  'profile.view': { perSecond: 1, burst: 30 },
  /** One viewer's notices to one card's owner (`profile.viewed`), keyed by both: one per PROFILE_VIEW_NOTIFY_INTERVAL_MS. */
  'profile.notice': { perSecond: 1000 / PROFILE_VIEW_NOTIFY_INTERVAL_MS, burst: 1 },
  presence: { perSecond: 1, burst: 10 },
  call: { perSecond: 1 / 10, burst: 5 },
  'event.chat': { perSecond: 1, burst: 10 },
  'event.hand': { perSecond: 1, burst: 10 },
  thread: { perSecond: 10, burst: 100 },
};

/**
 * The connections one person may hold to one actor at once (their devices, a
 * browser's tabs): each is a socket of its node and a share of every broadcast,
 * so no account may hold thousands.
 */
export const MAX_CONNECTIONS_PER_ACTOR = 20;

export interface TakeOutcome {
  readonly allowed: boolean;
  readonly bucket: Bucket;
  /** When refused: how long until one action is allowed again. */
  readonly retryAfterMs: number;
}

/** Takes one token from the bucket as it stands at `nowMs` (a new bucket is full). */
export function takeToken(bucket: Bucket | undefined, rule: RateRule, nowMs: number): TakeOutcome {
  const elapsedMs = bucket === undefined ? 0 : Math.max(0, nowMs - bucket.atMs);
  const tokens = bucket === undefined ? rule.burst : Math.min(rule.burst, bucket.tokens + (elapsedMs * rule.perSecond) / 1000);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, atMs: nowMs }, retryAfterMs: 0 };
  return { allowed: false, bucket: { tokens, atMs: nowMs }, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / rule.perSecond) };
}

/** How long an untouched bucket takes to fill again: after that it can be forgotten. */
export function bucketLifetimeMs(rule: RateRule): number {
  return Math.ceil((rule.burst / rule.perSecond) * 1000);
}
