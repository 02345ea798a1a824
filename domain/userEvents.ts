import type { MessageKind } from './chatRules';
import type { PresenceStatus } from './presence';
import type { ProgressOutcome } from './progress';
import type { ThreadMember } from './threadColleagues';

/**
 * The user's event stream: what happened to them, in the order it happened.
 * Stored events get a per-user increasing sequence and survive until a device
 * acknowledges them; ephemeral ones (presence) go only to devices online now.
 */
export const UserEventType = {
  MATCH_CREATED: 'match.created',
  LIKE_RECEIVED: 'like.received',
  PROFILE_VIEWED: 'profile.viewed',
  PRESENCE_CHANGED: 'presence.changed',
  /** A message in a thread none of the user's devices had open. */
  MESSAGE_RECEIVED: 'message.received',
  /** The user read a thread on one device (ephemeral): the others update its unread count. */
  THREAD_READ: 'thread.read',
  /** A match ended by unmatch or block; its thread is closed. */
  MATCH_ENDED: 'match.ended',
  /** A call rings every device of the callee (ephemeral). */
  CALL_INCOMING: 'call.incoming',
  /** The callee answered (ephemeral): to the caller, to start media; to the callee's other devices, to stop ringing. */
  CALL_ACCEPTED: 'call.accepted',
  /** A call ended, with its reason: declined, missed, cancelled, hung up, room finished, match ended. */
  CALL_ENDED: 'call.ended',
  /** A live event the user registered for opens its doors (10 minutes before the start). */
  EVENT_STARTING: 'event.starting',
  /** The session placed the user in another discovery lobby (ephemeral). */
  LOBBY_CHANGED: 'lobby.changed',
  /** An operator upheld a report against the user and warned them. */
  ACCOUNT_WARNED: 'account.warned',
  /** A daily quest reached its target (its XP is added). */
  QUEST_COMPLETED: 'quest.completed',
  /** The user's XP crossed into a higher level. */
  LEVEL_UP: 'level.up',
  /** A colleague joined a hiring thread the user is in (or the user was added to one). */
  THREAD_MEMBER_ADDED: 'thread.member.added',
  /** A colleague left or was taken out of a hiring thread the user is (or was) in. */
  THREAD_MEMBER_REMOVED: 'thread.member.removed',
} as const;
export type UserEventType = (typeof UserEventType)[keyof typeof UserEventType];

export interface MatchCreatedData {
  readonly matchId: string;
  /** The chat thread of the match, `chat:<threadId>`; one per match. */
  readonly threadId: string;
  readonly cardId: string;
  readonly otherCardId: string;
  readonly otherUserId: string;
}

/** `match.created` to each owner, each told which card of theirs matched with whom. */
export function matchCreatedEvents(
  matchId: string,
  cardX: { readonly id: string; readonly ownerId: string },
  cardY: { readonly id: string; readonly ownerId: string },
): NewUserEvent[] {
  const toOwner = (own: typeof cardX, other: typeof cardX): NewUserEvent => ({
    userId: own.ownerId,
    type: UserEventType.MATCH_CREATED,
    data: { matchId, threadId: matchId, cardId: own.id, otherCardId: other.id, otherUserId: other.ownerId },
  });
  return [toOwner(cardX, cardY), toOwner(cardY, cardX)];
}

export interface MatchEndedData {
  readonly matchId: string;
  readonly otherUserIds: readonly string[];
}

/**
 * `like.received`: the running count (added where the event is stored); premium
 * accounts also see who liked which of their cards.
 */
export interface LikeReceivedData {
  readonly count?: number;
  readonly fromCardId?: string;
  readonly fromUserId?: string;
  readonly toCardId?: string;
  readonly superlike?: boolean;
}

export interface ProfileViewedData {
  readonly cardId: string;
  readonly viewerId: string;
}

export interface PresenceChangedData {
  readonly userId: string;
  readonly presence: PresenceStatus;
  readonly lastSeenAt: number;
}

/** `message.received` in a member's event stream, when no device of theirs was in the thread. */
export interface MessageReceivedData {
  readonly matchId: string;
  readonly seq: number;
  readonly senderId: string;
  readonly kind: MessageKind;
  readonly preview: string;
  /** The member's unread messages in this thread, this one included. */
  readonly unread: number;
  /** Set once the sender deleted the message: the preview is erased. */
  readonly deleted?: boolean;
}

export interface ThreadReadData {
  readonly matchId: string;
  readonly lastReadSeq: number;
  readonly unread: number;
}

export interface CallIncomingData {
  readonly callId: string;
  readonly matchId: string;
  readonly callerId: string;
  readonly media: 'audio' | 'video';
}

export interface CallAcceptedData {
  readonly callId: string;
}

export interface CallEndedData {
  readonly callId: string;
  readonly matchId: string;
  readonly state: string;
  readonly reason: string;
}

export interface EventStartingData {
  readonly eventId: string;
  readonly title: string;
  readonly startsAt: number;
}

/** `lobby.changed` (ephemeral): the session moved the user to another lobby. */
export interface LobbyChangedData {
  readonly cell: string;
  readonly previousCell: string | null;
}

/** `account.warned`: which report was upheld, and where it happened. */
export interface AccountWarnedData {
  readonly reportId: string;
  readonly context: 'profile' | 'message' | 'call' | 'event';
}

export interface QuestCompletedData {
  readonly questId: string;
  readonly title: string;
  /** The UTC day the quest belonged to (YYYY-MM-DD). */
  readonly day: string;
  readonly xp: number;
  /** The user's XP after it. */
  readonly totalXp: number;
}

export interface LevelUpData {
  readonly level: number;
  readonly previousLevel: number;
  readonly xp: number;
}

/** `thread.member.added` / `thread.member.removed`: who changed, who did it, and everyone in the thread now. */
export interface ThreadMemberChangeData {
  readonly matchId: string;
  readonly userId: string;
  readonly byUserId: string;
  readonly members: readonly ThreadMember[];
}

/** What each kind of event carries. */
export interface UserEventData {
  'match.created': MatchCreatedData;
  'like.received': LikeReceivedData;
  'profile.viewed': ProfileViewedData;
  'presence.changed': PresenceChangedData;
  'message.received': MessageReceivedData;
  'thread.read': ThreadReadData;
  'match.ended': MatchEndedData;
  'call.incoming': CallIncomingData;
  'call.accepted': CallAcceptedData;
  'call.ended': CallEndedData;
  'event.starting': EventStartingData;
  'lobby.changed': LobbyChangedData;
  'account.warned': AccountWarnedData;
  'quest.completed': QuestCompletedData;
  'level.up': LevelUpData;
  'thread.member.added': ThreadMemberChangeData;
  'thread.member.removed': ThreadMemberChangeData;
}

/** An event's type and what it carries, one union member per type. */
export type UserEventBody = { [T in UserEventType]: { readonly type: T; readonly data: UserEventData[T] } }[UserEventType];

/** The events that live only while a device is online: never stored, never acknowledged. */
export const EPHEMERAL_EVENT_TYPES = ['presence.changed', 'thread.read', 'call.incoming', 'call.accepted', 'lobby.changed'] as const;
export type EphemeralEventType = (typeof EPHEMERAL_EVENT_TYPES)[number];
export type EphemeralEventBody = Extract<UserEventBody, { readonly type: EphemeralEventType }>;
export type StoredEventBody = Exclude<UserEventBody, { readonly type: EphemeralEventType }>;

/** Just an event's type and data, from anything that carries them (a stored event, a bus message). */
export function bodyOf<B extends UserEventBody>(event: B): B {
  return { type: event.type, data: event.data } as B;
}

/** An event to append to one user's stream. `countsLike` adds to their likes-received figure. */
export type NewUserEvent = StoredEventBody & { readonly userId: string; readonly countsLike?: boolean };

/** `match.ended` to every member of a match, each told who else was in it; never why. */
export function matchEndedEvents(matchId: string, memberIds: readonly string[]): NewUserEvent[] {
  return memberIds.map((userId) => ({
    userId,
    type: UserEventType.MATCH_ENDED,
    data: { matchId, otherUserIds: memberIds.filter((id) => id !== userId) },
  }));
}

/**
 * `like.received`: premium accounts see who liked which of their cards; free
 * accounts get only the running count (added where the event is stored).
 */
export function likeReceivedEvent(
  recipient: { readonly userId: string; readonly isPremium: boolean },
  like: { readonly fromCardId: string; readonly fromUserId: string; readonly toCardId: string; readonly superlike: boolean },
): NewUserEvent {
  const data: LikeReceivedData = recipient.isPremium ? { ...like } : {};
  return { userId: recipient.userId, type: UserEventType.LIKE_RECEIVED, data, countsLike: true };
}

/** What a counted action earned, told to its user: each quest it completed, then the level it crossed into. */
export function progressEvents(userId: string, day: string, outcome: ProgressOutcome): NewUserEvent[] {
  const events: NewUserEvent[] = outcome.completed.map((quest) => ({
    userId,
    type: UserEventType.QUEST_COMPLETED,
    data: { questId: quest.id, title: quest.title, day, xp: quest.xp, totalXp: outcome.xpAfter },
  }));
  if (outcome.levelUp) {
    events.push({ userId, type: UserEventType.LEVEL_UP, data: { level: outcome.levelUp.to, previousLevel: outcome.levelUp.from, xp: outcome.xpAfter } });
  }
  return events;
}

/** The change of a thread's members, to everyone in it and to the colleague who changed (in it or not any more). */
export function threadMemberEvents(
  type: 'thread.member.added' | 'thread.member.removed',
  change: { readonly matchId: string; readonly userId: string; readonly byUserId: string },
  members: readonly ThreadMember[],
): NewUserEvent[] {
  const recipients = new Set([...members.map((m) => m.userId), change.userId]);
  return [...recipients].sort().map((userId) => ({ userId, type, data: { ...change, members } }));
}

/** A viewer looking at the same card again within this window notifies its owner only once. */
export const PROFILE_VIEW_NOTIFY_INTERVAL_MS = 10 * 60 * 1000;

/** Whether a view of a card tells its owner at all: not their own look at it (how often is the `profile.notice` bucket's). */
export function shouldNotifyProfileView(input: { readonly viewerId: string; readonly ownerId: string }): boolean {
  return input.viewerId !== input.ownerId;
}

/**
 * Retention: a stored event some device of the user acknowledged is delivered,
 * and is pruned once older than this. Events no device acknowledged stay, so a
 * device coming back, or a new one, still gets them.
 */
export const DEFAULT_STORED_EVENT_RETENTION_DAYS = 30;
export const DEFAULT_RETENTION_PRUNE_INTERVAL_MS = 15 * 60 * 1000;

/** A device that never acknowledged anything starts this far back from the newest event. */
export const NEW_DEVICE_BACKLOG = 500;

/**
 * The devices whose place in the stream (cursor) a person's account keeps: a device id is
 * the client's to choose, so without a bound one account stored a row per invented id for
 * ever. An acknowledgement of a device past it lets the one seen longest ago go, which on
 * its next join starts as a new device. At least MAX_CONNECTIONS_PER_ACTOR, so devices
 * connected at once never push each other out.
 */
export const MAX_DEVICE_CURSORS = 20;

/** The sequence after which a device's delivery starts. */
export function deliveryStartSeq(ackedSeq: number | undefined, latestSeq: number): number {
  if (ackedSeq !== undefined) return Math.min(ackedSeq, latestSeq);
  return Math.max(0, latestSeq - NEW_DEVICE_BACKLOG);
}
