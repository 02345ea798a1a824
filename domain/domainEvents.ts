import type { CallEndReason, CallMedia, CallState } from './callState';
import type { MessageKind } from './chatRules';
import type { SwipeAction } from './swipeRules';

/**
 * The platform's domain events: facts Kismet stored, published to the bus
 * (NATS JetStream) for analytics, recommendations and moderation pipelines.
 * Ids and counts only: no message text, report reasons, emails or locations.
 * A type's data only ever gains optional fields within a version; anything
 * else is a new version (PROTOCOL.md "Domain events").
 */
export const DomainEventType = {
  SWIPE_RECORDED: 'swipe.recorded',
  MATCH_CREATED: 'match.created',
  MATCH_ENDED: 'match.ended',
  MESSAGE_STORED: 'message.stored',
  CALL_ENDED: 'call.ended',
  REPORT_FILED: 'report.filed',
  ACCOUNT_BANNED: 'account.banned',
  ACCOUNT_ERASED: 'account.erased',
} as const;
export type DomainEventType = (typeof DomainEventType)[keyof typeof DomainEventType];

export const DOMAIN_EVENT_TYPES: readonly DomainEventType[] = Object.values(DomainEventType);
export const DOMAIN_EVENT_VERSION = 1;

export interface SwipeRecordedData {
  readonly swipeId: string;
  readonly swiperId: string;
  readonly fromCardId: string;
  readonly toCardId: string;
  readonly toOwnerId: string;
  readonly action: SwipeAction;
}

export interface MatchCreatedData {
  readonly matchId: string;
  readonly cardIds: readonly [string, string];
  readonly userIds: readonly string[];
}

export interface MatchEndedData {
  readonly matchId: string;
  readonly status: 'unmatched' | 'blocked';
  readonly memberIds: readonly string[];
}

export interface MessageStoredData {
  readonly matchId: string;
  readonly seq: number;
  readonly senderId: string;
  readonly kind: MessageKind;
  /** Characters of the text (0 for media): the text itself never leaves. */
  readonly length: number;
  /** Sent by a shadow-banned account: stored, shown to nobody else. */
  readonly hidden: boolean;
}

export interface CallEndedData {
  readonly callId: string;
  readonly matchId: string;
  readonly callerId: string;
  readonly calleeId: string;
  readonly media: CallMedia;
  readonly state: Exclude<CallState, 'ringing' | 'accepted'>;
  readonly reason: CallEndReason;
  /** Seconds from answer to end; null for a call nobody answered. */
  readonly durationS: number | null;
}

export interface ReportFiledData {
  readonly reportId: string;
  readonly reporterId: string;
  readonly reportedId: string;
  readonly contextKind: 'profile' | 'message' | 'call' | 'event';
  readonly contextId: string | null;
}

export interface AccountBannedData {
  readonly userId: string;
}

/** A person deleted their account: consumers forget everything they keep under this id. */
export interface AccountErasedData {
  readonly userId: string;
}

export interface DomainEventDataByType {
  'swipe.recorded': SwipeRecordedData;
  'match.created': MatchCreatedData;
  'match.ended': MatchEndedData;
  'message.stored': MessageStoredData;
  'call.ended': CallEndedData;
  'report.filed': ReportFiledData;
  'account.banned': AccountBannedData;
  'account.erased': AccountErasedData;
}

/** What travels on the bus: one event, its id stable across every publish of it. */
export type DomainEvent = {
  [T in DomainEventType]: {
    readonly id: string;
    readonly type: T;
    readonly version: typeof DOMAIN_EVENT_VERSION;
    readonly occurredAt: string;
    readonly data: DomainEventDataByType[T];
  };
}[DomainEventType];

/** An event to write to the outbox: its type and data (id and time come from the row). */
export type NewDomainEvent = { [T in DomainEventType]: { readonly type: T; readonly data: DomainEventDataByType[T] } }[DomainEventType];

export function isDomainEventType(value: string): value is DomainEventType {
  return (DOMAIN_EVENT_TYPES as readonly string[]).includes(value);
}

/** A stored outbox row as the publisher reads it. */
export interface DomainOutboxRow {
  readonly id: string;
  readonly type: string;
  readonly occurredAtMs: number;
  readonly data: Record<string, unknown>;
}

/**
 * The envelope of an outbox row, or undefined for a type this version does not
 * know (a row written by a newer node during a rolling upgrade waits for it).
 */
export function domainEventEnvelope(row: DomainOutboxRow): DomainEvent | undefined {
  if (!isDomainEventType(row.type)) return undefined;
  // Only the documented fields leave, whatever else a row may carry.
  const data: Record<string, unknown> = {};
  for (const field of DATA_FIELDS[row.type]) if (field in row.data) data[field] = row.data[field];
  const event = { id: row.id, type: row.type, version: DOMAIN_EVENT_VERSION, occurredAt: new Date(row.occurredAtMs).toISOString(), data };
  return event as unknown as DomainEvent;
}

/** The fields of each type's data, as PROTOCOL.md documents them. */
export const DATA_FIELDS: { readonly [T in DomainEventType]: ReadonlyArray<keyof DomainEventDataByType[T]> } = {
  'swipe.recorded': ['swipeId', 'swiperId', 'fromCardId', 'toCardId', 'toOwnerId', 'action'],
  'match.created': ['matchId', 'cardIds', 'userIds'],
  'match.ended': ['matchId', 'status', 'memberIds'],
  'message.stored': ['matchId', 'seq', 'senderId', 'kind', 'length', 'hidden'],
  'call.ended': ['callId', 'matchId', 'callerId', 'calleeId', 'media', 'state', 'reason', 'durationS'],
  'report.filed': ['reportId', 'reporterId', 'reportedId', 'contextKind', 'contextId'],
  'account.banned': ['userId'],
  'account.erased': ['userId'],
};

/** The subject an event is published on: `<prefix>.<type>`, e.g. `kismet.match.created`. */
export function domainEventSubject(prefix: string, type: DomainEventType): string {
  return `${prefix}.${type}`;
}

/** A call's end as a domain event's data. */
export function callEndedData(call: {
  readonly id: string;
  readonly matchId: string;
  readonly callerId: string;
  readonly calleeId: string;
  readonly media: CallMedia;
  readonly state: CallState;
  readonly endReason: CallEndReason | null;
  readonly acceptedAt: number | null;
  readonly endedAt: number | null;
}): CallEndedData | undefined {
  if (call.state === 'ringing' || call.state === 'accepted' || call.endReason === null) return undefined;
  const durationS = call.acceptedAt !== null && call.endedAt !== null ? Math.max(0, Math.round((call.endedAt - call.acceptedAt) / 1000)) : null;
  return {
    callId: call.id,
    matchId: call.matchId,
    callerId: call.callerId,
    calleeId: call.calleeId,
    media: call.media,
    state: call.state,
    reason: call.endReason,
    durationS,
  };
}

/** Options of the publisher's retries. */
export const DOMAIN_PUBLISH_BACKOFF = { baseMs: 500, maxMs: 60_000 } as const;

/**
 * The wait before publishing a row again after `attempts` failed tries:
 * exponential with full jitter (`random` in [0, 1)), capped.
 */
export function domainPublishRetryDelayMs(attempts: number, random: number): number {
  const ceiling = Math.min(DOMAIN_PUBLISH_BACKOFF.maxMs, DOMAIN_PUBLISH_BACKOFF.baseMs * 2 ** Math.max(0, Math.min(20, attempts - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
