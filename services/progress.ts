import type { Kysely } from 'kysely';
import type { StoredUserEvent } from '../db/repositories/eventRepository';
import { findUncountedAttendance, hasEarlierMessage, type ProgressAward } from '../db/repositories/progressRepository';
import { recordProgressBatch, type TimedAward } from '../db/repositories/progressBatchRepository';
import type { Database } from '../db/types';
import { GroupCommit } from '../db/groupCommit';
import type { Card } from '../domain/cardRules';
import { actionKey, ATTENDED_SHARE, ATTENDED_STAY_MS, isProfileComplete, matchPairKey, ProgressAction } from '../domain/progress';
import type { UserEventBus } from './topicBus';

export type { ProgressAward };

/**
 * Counts in flight per node at most: the rest wait in memory, so a burst of
 * awards (a wave of matches) never takes the pool's connections from the
 * commands whose answers people wait for. One: what arrives meanwhile shares
 * the next flush, and a busy node's fewer, larger flushes left swipes answered
 * sooner than two at a time (loadtest/README.md, "Swipes without deadlocks").
 */
export const PROGRESS_CONCURRENCY = 1;
/** Awards counted per flush: a wave of matches awards two each, in a few commits. */
export const PROGRESS_BATCH = 250;
type Counted = { readonly events: StoredUserEvent[] } | { readonly failed: unknown };
const counters = new WeakMap<Kysely<Database>, GroupCommit<TimedAward, Counted>>();

/** Counts one action through the node's queue of counts (see `recordProgress`). */
async function count(db: Kysely<Database>, award: ProgressAward, nowMs: number): Promise<StoredUserEvent[]> {
  let counter = counters.get(db);
  if (!counter) {
    counter = new GroupCommit((items) => countTogether(db, items), { maxInFlight: PROGRESS_CONCURRENCY, maxBatch: PROGRESS_BATCH });
    counters.set(db, counter);
  }
  const counted = await counter.submit({ award, nowMs });
  if ('failed' in counted) throw counted.failed;
  return counted.events;
}

/**
 * Counts a flush of awards in one transaction; if it fails (a deadlock with
 * another node's flush, or one award's fault), each is counted on its own, so
 * one award's failure never costs the others theirs.
 */
async function countTogether(db: Kysely<Database>, items: readonly TimedAward[]): Promise<Counted[]> {
  const alone = (item: TimedAward): Promise<Counted> =>
    recordProgressBatch(db, [item]).then(([events]) => ({ events: events! }), (failed: unknown) => ({ failed }));
  if (items.length === 1) return [await alone(items[0]!)];
  try {
    return (await recordProgressBatch(db, items)).map((events) => ({ events }));
  } catch {
    // Not swallowed: each award is counted again on its own, and its own failure reaches its caller's onError.
    return Promise.all(items.map(alone));
  }
}

/**
 * Counts actions already stored, in the node's next shared commit of awards right after the
 * action's own: a flush locks only progress rows and then users' rows, each in user order, so awards never
 * deadlock with swipes, matches or messages. The ledger keeps each (user, key)
 * once, so offering an award again (a retried command answered as a repeat,
 * another node reporting the same action) earns nothing more, and completes an
 * award a crash cut off between the two commits.
 *
 * Returns the `quest.completed` and `level.up` events stored; an award that
 * fails is reported to `onError` and the others still run.
 */
export async function awardProgress(
  db: Kysely<Database>,
  awards: readonly ProgressAward[],
  nowMs: number,
  onError: (error: unknown, award: ProgressAward) => void,
): Promise<StoredUserEvent[]> {
  // Submitted together, in order: they share a flush, counted as if one after another.
  const counted = await Promise.all(
    awards.map((award) =>
      count(db, award, nowMs).catch((error: unknown) => {
        onError(error, award);
        return [];
      }),
    ),
  );
  return counted.flat();
}

/** What a match counts: the two people it joins (once per pair, whatever cards matched), for each of its owners. */
export function matchAwards(match: { readonly ownerIds: readonly string[] }): ProgressAward[] {
  const key = matchPairKey(match.ownerIds);
  return [...new Set(match.ownerIds)].map((userId) => ({ userId, action: ProgressAction.MATCH, key }));
}

/**
 * A member's first message in a thread, once stored: counted under the thread's
 * key, so a resend, a later actor of the thread or another node counts nothing
 * more; a message with an earlier one of theirs before it is not a first.
 */
export async function countFirstMessage(
  deps: ProgressDeps,
  message: { readonly matchId: string; readonly senderId: string; readonly seq: number },
  /** Whether the sender had sent here before, when the thread knows it; asked of storage otherwise. */
  sentBefore?: boolean,
): Promise<void> {
  if (sentBefore ?? (await hasEarlierMessage(deps.db, message.matchId, message.senderId, message.seq))) return;
  await countAndPublish(deps, { userId: message.senderId, action: ProgressAction.FIRST_MESSAGE, key: actionKey(ProgressAction.FIRST_MESSAGE, message.matchId) });
}

/** What counting needs, and where the events it stores go. */
export interface ProgressDeps {
  readonly db: Kysely<Database>;
  readonly userEvents: UserEventBus;
  now(): Date;
}

/** Counts one action (once per key) and hands its events to the user's session. */
export async function countAndPublish(deps: ProgressDeps, award: ProgressAward): Promise<void> {
  const events = await count(deps.db, award, deps.now().getTime());
  await Promise.all(events.map((event) => deps.userEvents.publish(event.userId, { kind: 'stored', event })));
}

/** A person's profile first complete (`isProfileComplete`): once per account, however often it is edited. */
export async function countCompletedProfile(deps: ProgressDeps, card: Card): Promise<void> {
  if (!isProfileComplete(card)) return;
  await countAndPublish(deps, { userId: card.ownerId, action: ProgressAction.PROFILE_COMPLETED, key: actionKey(ProgressAction.PROFILE_COMPLETED, card.ownerId) });
}

/** Attendees who stayed in a live event to its end, long enough (`stayNeededToAttend`; within the last `windowMs`), each event counted once per person. */
export async function countEventAttendance(deps: ProgressDeps, windowMs: number): Promise<number> {
  const until = deps.now();
  const rule = { stayMs: ATTENDED_STAY_MS, share: ATTENDED_SHARE };
  const uncounted = await findUncountedAttendance(deps.db, { since: new Date(until.getTime() - windowMs), until }, rule, 500);
  for (const { eventId, userId } of uncounted) {
    await countAndPublish(deps, { userId, action: ProgressAction.EVENT_ATTENDED, key: actionKey(ProgressAction.EVENT_ATTENDED, eventId) });
  }
  return uncounted.length;
}
