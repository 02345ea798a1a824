import { ErrorCode } from './errors';
import type { RateRule } from './rateLimits';

/** Doors open, and registrants hear `event.starting`, this long before the start. */
export const DOORS_OPEN_BEFORE_MS = 10 * 60 * 1000;

/**
 * The longest an event lasts, from its start to its end: its actor, its chat and
 * its media room run until then, however many stay connected.
 */
export const MAX_EVENT_LENGTH_MS = 12 * 60 * 60 * 1000;

/**
 * The shortest an event lasts: attending one earns XP, and events of seconds, made one
 * after another, would be XP for whoever sits in their rooms.
 */
export const MIN_EVENT_LENGTH_MS = 15 * 60 * 1000;

/**
 * The events one host may have that are not over yet: each is a row, its registrations and
 * its starting notices, and creating them costs nothing else, so without a bound one account
 * would add them without end.
 */
export const MAX_UPCOMING_EVENTS_PER_HOST = 50;

/**
 * The events one host may create in 30 days, over already or not: events that end soon leave
 * the count above at once, so without this one host makes hundreds an hour. A recruiter
 * hosting several a day stays well under it.
 */
export const MAX_EVENTS_CREATED_PER_HOST = 200;
export const EVENT_CREATION_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** Whether a host with `upcoming` events not yet over, and `createdRecently` in the window, may create another. */
export function decideEventCreation(upcoming: number, createdRecently: number): { readonly code: ErrorCode; readonly message: string } | undefined {
  if (upcoming >= MAX_UPCOMING_EVENTS_PER_HOST) {
    return { code: ErrorCode.EVENT_LIMIT_REACHED, message: `at most ${MAX_UPCOMING_EVENTS_PER_HOST} events not yet over per host` };
  }
  if (createdRecently >= MAX_EVENTS_CREATED_PER_HOST) {
    return { code: ErrorCode.EVENT_LIMIT_REACHED, message: `at most ${MAX_EVENTS_CREATED_PER_HOST} events created in 30 days per host` };
  }
  return undefined;
}

export type LiveEventRole = 'host' | 'speaker' | 'audience';

export interface LiveEventTimes {
  readonly startsAt: number;
  readonly endsAt: number;
}

export type LiveEventPhase = 'scheduled' | 'open' | 'ended';

/** Before the doors, doors open (from 10 minutes before the start to the end), over. */
export function liveEventPhase(event: LiveEventTimes, nowMs: number): LiveEventPhase {
  if (nowMs >= event.endsAt) return 'ended';
  return nowMs >= event.startsAt - DOORS_OPEN_BEFORE_MS ? 'open' : 'scheduled';
}

export type LiveEventJoinDecision =
  | { readonly kind: 'join'; readonly role: LiveEventRole; readonly takesSeat: boolean }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

/** Hosts come in any time the doors are open and take no seat; registrants take one. */
export function decideLiveEventJoin(input: {
  readonly isHost: boolean;
  readonly registered: boolean;
  /** A host removed them: they stay out, registered or not. */
  readonly removed?: boolean;
  readonly phase: LiveEventPhase;
}): LiveEventJoinDecision {
  if (input.removed && !input.isHost) return { kind: 'refused', code: ErrorCode.REMOVED_FROM_EVENT, message: 'a host removed you from this event' };
  if (!input.isHost && !input.registered) return { kind: 'refused', code: ErrorCode.NOT_REGISTERED, message: 'register for the event first' };
  if (input.phase === 'scheduled') return { kind: 'refused', code: ErrorCode.EVENT_NOT_OPEN, message: 'the doors open 10 minutes before the start' };
  if (input.phase === 'ended') return { kind: 'refused', code: ErrorCode.EVENT_ENDED, message: 'the event is over' };
  return input.isHost ? { kind: 'join', role: 'host', takesSeat: false } : { kind: 'join', role: 'audience', takesSeat: true };
}

/** The hand-raise queue: first raised, first in line; raising twice keeps one's place. */
export function raiseHand(queue: readonly string[], userId: string): readonly string[] {
  return queue.includes(userId) ? queue : [...queue, userId];
}

export function lowerHand(queue: readonly string[], userId: string): readonly string[] {
  return queue.filter((id) => id !== userId);
}

/** What a host is told of someone not in the event. */
export const NOT_ATTENDING_REFUSAL = { code: ErrorCode.NOT_ATTENDING, message: 'that person is not in the event' } as const;

/** Hosts promote, demote, mute and remove; nobody acts on a host. */
export function decideModeration(actor: LiveEventRole, target: LiveEventRole | undefined): { ok: true } | { ok: false; code: ErrorCode; message: string } {
  if (actor !== 'host') return { ok: false, code: ErrorCode.NOT_A_HOST, message: 'only the event’s hosts do this' };
  if (target === undefined) return { ok: false, ...NOT_ATTENDING_REFUSAL };
  if (target === 'host') return { ok: false, code: ErrorCode.NOT_A_HOST, message: 'hosts are not moderated' };
  return { ok: true };
}

/** Breakout interviews last from a few seconds to an hour. */
export const BREAKOUT_MIN_S = 1;
export const BREAKOUT_MAX_S = 60 * 60;

/** Slow mode: at most one event chat message per attendee per this many seconds (hosts are exempt). */
export const DEFAULT_SLOW_MODE_S = 0;
export const MAX_SLOW_MODE_S = 10 * 60;

/** How long an attendee still waits before their next chat message, or 0 when they may send now. */
export function slowModeWaitMs(input: { readonly role: LiveEventRole; readonly slowModeS: number; readonly lastSentMs: number | undefined; readonly nowMs: number }): number {
  if (input.role === 'host' || input.slowModeS <= 0 || input.lastSentMs === undefined) return 0;
  return Math.max(0, input.lastSentMs + input.slowModeS * 1000 - input.nowMs);
}

/**
 * An event's chat as a whole: each message goes to every connection, so what the
 * event's node sends a second is messages times connections. The chat keeps a
 * pace that holds that near this figure: past it, attendees' messages wait as in
 * slow mode (hosts' do not). In a small event each person's own bucket (one a
 * second) binds long before it does.
 */
export const EVENT_CHAT_DELIVERIES_PER_S = 20_000;

/** The event chat's pace for this many connections: messages a second, and a second's worth at once. */
export function eventChatPace(connections: number): RateRule {
  const perSecond = Math.max(1, EVENT_CHAT_DELIVERIES_PER_S / Math.max(1, connections));
  return { perSecond, burst: perSecond };
}
