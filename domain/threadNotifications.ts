import { messagePreview, type MessageKind } from './chatRules';
import { UserEventType, type NewUserEvent } from './userEvents';

/** A message just numbered by its thread, as a notice needs it. */
export interface NoticeMessage {
  readonly seq: number;
  readonly senderId: string;
  readonly kind: MessageKind;
  readonly body: string | null;
  readonly mediaUrl: string | null;
  /** Sent while shadow-banned: nobody else hears of it. */
  readonly hidden: boolean;
}

/**
 * `message.received` for each member with no device in the thread, one per
 * message of the others, each with the member's unread count after it. A
 * member in the thread sees messages live; their own and hidden messages
 * notify nobody.
 */
export function messageNotices(input: {
  readonly matchId: string;
  readonly memberIds: readonly string[];
  readonly isPresent: (userId: string) => boolean;
  /** Unread messages of a member before these. */
  readonly unreadOf: (userId: string) => number;
  readonly messages: readonly NoticeMessage[];
}): Array<{ userId: string; events: NewUserEvent[] }> {
  const notify: Array<{ userId: string; events: NewUserEvent[] }> = [];
  for (const userId of input.memberIds) {
    if (input.isPresent(userId)) continue;
    let unread = input.unreadOf(userId);
    const events: NewUserEvent[] = [];
    for (const message of input.messages) {
      if (message.senderId === userId || message.hidden) continue;
      unread += 1;
      events.push({
        userId,
        type: UserEventType.MESSAGE_RECEIVED,
        data: { matchId: input.matchId, seq: message.seq, senderId: message.senderId, kind: message.kind, preview: messagePreview(message), unread },
      });
    }
    if (events.length > 0) notify.push({ userId, events });
  }
  return notify;
}

/**
 * The notices of a thread's messages that were stored erased (their sender's
 * account went while they were on their way) lose their preview, as the
 * notices of a message erased later do.
 */
export function withoutErasedPreviews<E extends NewUserEvent>(events: readonly E[], matchId: string, erasedSeqs: ReadonlySet<number>): E[] {
  return events.map((event) =>
    event.type === UserEventType.MESSAGE_RECEIVED && event.data.matchId === matchId && erasedSeqs.has(event.data.seq)
      ? { ...event, data: { ...event.data, preview: '', deleted: true } }
      : event,
  );
}
