import { RING_TIMEOUT_MS } from '../callState';
import type { PushNotification } from './notification';
import type { PushOutcome } from './outcome';

/**
 * Which of a user's events reach a device whose app is closed, and how they
 * look there. Stored events push from the transaction that stores them; a call
 * rings (and stops ringing) from the call's own writes.
 */
export const PUSHED_EVENT_TYPES = ['match.created', 'message.received', 'like.received', 'event.starting', 'call.ended'] as const;
/** Pushes with no stored event of their own: the ring, and the answer that stops it on the callee's other devices. */
export const CALL_PUSH_KINDS = ['call.incoming', 'call.answered'] as const;
export type PushKind = (typeof PUSHED_EVENT_TYPES)[number] | (typeof CALL_PUSH_KINDS)[number];

/** How long each kind is worth sending after it was written. */
export const PUSH_LIFETIME_MS: Readonly<Record<PushKind, number>> = {
  'match.created': 7 * 24 * 3600_000,
  'message.received': 24 * 3600_000,
  'like.received': 24 * 3600_000,
  'event.starting': 15 * 60_000,
  'call.incoming': RING_TIMEOUT_MS,
  'call.ended': 5 * 60_000,
  'call.answered': 5 * 60_000,
};

/** One outbox row, as a worker leased it. */
export interface OutboxPush {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly kind: string;
  readonly eventSeq: number | null;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly createdAtMs: number;
}

/** What the worker read about the recipient when it delivers. */
export interface PushRecipient {
  /** Message text may appear on the lock screen (per-user setting, off by default). */
  readonly previews: boolean;
  /** Unread messages over all the user's threads: the icon's figure. */
  readonly unread: number;
}

/** A uuid as 32 hex characters: a collapse key within Web Push's `Topic` limit. */
const compact = (id: unknown): string => String(id).replace(/-/g, '').slice(0, 32);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The notification for one outbox row, or undefined for a kind this version does
 * not push. `id` is the row's (one per event and device), so a redelivery after a
 * crash carries the same id and collapse key, and the device replaces the first.
 *
 * @example
 * notificationFor({ kind: 'message.received', payload: { matchId, unread: 2, … }, … }, { previews: false, unread: 5 })
 * // → { collapseKey: <thread>, badge: 5, title: 'New message', body: '2 unread messages', data: { type, matchId, unread: 2 } }
 */
export function notificationFor(push: OutboxPush, recipient: PushRecipient): PushNotification | undefined {
  const kind = push.kind as PushKind;
  const lifetime = PUSH_LIFETIME_MS[kind];
  if (lifetime === undefined) return undefined;
  const p = push.payload;
  const base = { id: `o${push.id}`, expiresAtMs: push.createdAtMs + lifetime, priority: 'normal' as const };
  const data = { type: kind, ...(push.eventSeq === null ? {} : { seq: push.eventSeq }) };
  switch (kind) {
    case 'message.received': {
      const unread = Number(p['unread'] ?? 1);
      const body = recipient.previews && p['kind'] === 'text' && str(p['preview']) !== '' ? str(p['preview']) : `${unread} unread message${unread === 1 ? '' : 's'}`;
      return {
        ...base,
        collapseKey: compact(p['matchId']),
        badge: recipient.unread,
        title: 'New message',
        body,
        data: { ...data, matchId: p['matchId'], threadId: p['matchId'], unread },
      };
    }
    case 'match.created':
      return { ...base, collapseKey: compact(p['matchId']), title: "It's a match", body: 'Say hello', data: { ...data, matchId: p['matchId'], threadId: p['threadId'] } };
    case 'like.received':
      // Free accounts learn only the count, as in the stream; one notification that updates.
      return { ...base, collapseKey: 'likes', title: 'Someone likes you', body: p['count'] === undefined ? '' : `${String(p['count'])} likes`, data: { ...data, count: p['count'] } };
    case 'event.starting':
      return { ...base, collapseKey: compact(p['eventId']), title: str(p['title']) || 'Your event', body: 'Doors are open', data: { ...data, eventId: p['eventId'], startsAt: p['startsAt'] } };
    case 'call.incoming':
      return {
        ...base,
        priority: 'high',
        collapseKey: compact(p['callId']),
        title: p['media'] === 'video' ? 'Incoming video call' : 'Incoming call',
        body: '',
        data: { ...data, callId: p['callId'], matchId: p['matchId'], callerId: p['callerId'], media: p['media'] },
      };
    case 'call.answered':
    case 'call.ended':
      // Replaces the ring (same collapse key) and shows nothing: the app stops ringing.
      return { ...base, priority: 'high', collapseKey: compact(p['callId']), title: '', body: '', data: { ...data, callId: p['callId'], matchId: p['matchId'], state: p['state'] ?? 'accepted' } };
  }
}

export const DEFAULT_PUSH_MAX_ATTEMPTS = 8;
export const PUSH_RETRY_BASE_MS = 1_000;
export const PUSH_RETRY_MAX_MS = 15 * 60_000;

/** What the outbox does with a row after an attempt. */
export type OutboxStep =
  | { readonly kind: 'done' }
  | { readonly kind: 'drop-target'; readonly reason: string }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly reason: string }
  | { readonly kind: 'dead'; readonly reason: string };

/**
 * The next step after an outcome: exponential backoff with full jitter
 * (`random` in [0, 1) is passed in), never sooner than the service's Retry-After;
 * the last attempt dead-letters the row with its reason.
 */
export function nextOutboxStep(outcome: PushOutcome, attempt: number, maxAttempts: number, random: number): OutboxStep {
  switch (outcome.kind) {
    case 'delivered':
      return { kind: 'done' };
    case 'gone':
      return { kind: 'drop-target', reason: `gone/${outcome.reason}` };
    case 'failed':
      return { kind: 'dead', reason: `failed/${outcome.reason}` };
    case 'retry': {
      const reason = `retry/${outcome.reason}`;
      if (attempt >= maxAttempts) return { kind: 'dead', reason };
      const ceiling = Math.min(PUSH_RETRY_MAX_MS, PUSH_RETRY_BASE_MS * 2 ** (attempt - 1));
      const jittered = Math.floor(ceiling / 2 + (ceiling / 2) * random);
      return { kind: 'retry', delayMs: Math.max(jittered, outcome.afterMs ?? 0), reason };
    }
  }
}
