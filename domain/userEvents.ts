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
} as const;
export type UserEventType = (typeof UserEventType)[keyof typeof UserEventType];

/** An event to append to one user's stream. `countsLike` adds to their likes-received figure. */
export interface NewUserEvent {
  readonly userId: string;
  readonly type: UserEventType;
  readonly data: Readonly<Record<string, unknown>>;
  readonly countsLike?: boolean;
}

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
    data: { matchId, threadId: matchId, cardId: own.id, otherCardId: other.id, otherUserId: other.ownerId } satisfies MatchCreatedData,
  });
  return [toOwner(cardX, cardY), toOwner(cardY, cardX)];
}

export interface MatchEndedData {
  readonly matchId: string;
  readonly otherUserIds: readonly string[];
}

/** `match.ended` to every member of a match, each told who else was in it; never why. */
export function matchEndedEvents(matchId: string, memberIds: readonly string[]): NewUserEvent[] {
  return memberIds.map((userId) => ({
    userId,
    type: UserEventType.MATCH_ENDED,
    data: { matchId, otherUserIds: memberIds.filter((id) => id !== userId) } satisfies MatchEndedData,
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
  const data = recipient.isPremium ? { ...like } : {};
  return { userId: recipient.userId, type: UserEventType.LIKE_RECEIVED, data, countsLike: true };
}

/** A viewer looking at the same card again within this window notifies its owner only once. */
export const PROFILE_VIEW_NOTIFY_INTERVAL_MS = 10 * 60 * 1000;

export function shouldNotifyProfileView(input: {
  readonly viewerId: string;
  readonly ownerId: string;
  readonly lastNotifiedMs: number | undefined;
  readonly nowMs: number;
}): boolean {
  if (input.viewerId === input.ownerId) return false;
  return input.lastNotifiedMs === undefined || input.nowMs - input.lastNotifiedMs >= PROFILE_VIEW_NOTIFY_INTERVAL_MS;
}

/** A device that never acknowledged anything starts this far back from the newest event. */
export const NEW_DEVICE_BACKLOG = 500;

/** The sequence after which a device's delivery starts. */
export function deliveryStartSeq(ackedSeq: number | undefined, latestSeq: number): number {
  if (ackedSeq !== undefined) return Math.min(ackedSeq, latestSeq);
  return Math.max(0, latestSeq - NEW_DEVICE_BACKLOG);
}
