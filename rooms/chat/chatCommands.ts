import type { Client, Room } from '@colyseus/core';
import { countUnread, eraseMessage, findMessage, listMessagesBefore, listMessagesBetween, type StoredMessage } from '../../db/repositories/messageRepository';
import { saveReadMarker } from '../../db/repositories/threadRepository';
import { ChatCommands, ChatEventType, type ReadResult, type SendResult, type TypingMessage } from '../../contracts/chat';
import { checkMessageContent, decideMessageDeletion, pageSize, shouldRelayTyping, type TypingSent } from '../../domain/chatRules';
import { AppError } from '../../domain/errors';
import type { ReadOutcome, ThreadLedger } from '../../domain/threadLedger';
import { UserEventType } from '../../domain/userEvents';
import { countFirstMessage } from '../../services/progress';
import { mountCommands } from '../commandRouter';
import { roomServices } from '../roomServices';
import type { ThreadWriter } from './threadWriter';

/** A connection in a thread: whose it is, and the thread's last sequence when it joined (`sync` serves up to there). */
export interface Member {
  readonly userId: string;
  readonly joinedAtSeq: number;
}

/** What the thread's commands act on: the parts of one thread actor. */
export interface ThreadParts {
  readonly matchId: string;
  readonly writer: ThreadWriter;
  ledger(): ThreadLedger;
  /** The member a connection is; NOT_A_MEMBER for one that has not joined. */
  memberOf(client: Client): Member;
  /** Who said "typing" last and when, by member: relayed at most every few seconds. */
  readonly typing: Map<string, TypingSent>;
  /** Shadow-banned now: what they send, type or read reaches their own connections only. */
  isHidden(userId: string): boolean;
  /** Remembers which connection sent a message being stored, so the broadcast of it skips that one (it gets the reply). */
  sending<T>(senderId: string, clientMessageId: string, client: Client, write: () => Promise<T>): Promise<T>;
  /** Whether a member has sent a message here; undefined when the thread does not know (a colleague added since it loaded). */
  sentBefore(userId: string): boolean | undefined;
  /** What a member did, to the connections it reaches (domain/shadowBanAudience). */
  sendFrom(sender: { readonly userId: string; readonly hidden: boolean }, type: string, message: unknown, except?: Client): void;
}

/** Registers every command a member sends the thread (contracts/chat), with their per-person limits. */
export function mountChatCommands(room: Room, parts: ThreadParts): void {
  const services = roomServices();
  const { matchId } = parts;
  const { typing } = parts;
  // Members whose first message here is counted (or was, by an earlier actor): nothing more to count for them.
  const firstMessageCounted = new Set<string>();
  mountCommands(room, 'chat', services, ChatCommands, {
    send: async (client, payload): Promise<SendResult> => {
      const refusal = checkMessageContent(payload, services.mediaHosts);
      if (refusal) throw new AppError(refusal.code, refusal.message);
      const senderId = parts.memberOf(client).userId;
      // Asked before storing: once stored, this very message counts as sent.
      const sentBefore = parts.sentBefore(senderId);
      const outcome = await parts.sending(senderId, payload.clientMessageId, client, () =>
        parts.writer.send({
          senderId,
          clientMessageId: payload.clientMessageId,
          kind: payload.kind,
          body: payload.body ?? null,
          mediaUrl: payload.mediaUrl ?? null,
          hidden: parts.isHidden(senderId),
        }),
      );
      if (!firstMessageCounted.has(senderId)) {
        firstMessageCounted.add(senderId);
        // Counted after the answer's message is stored, off the answer's path; a resend offers it again.
        countFirstMessage(services, { matchId, senderId, seq: outcome.seq }, sentBefore).catch((error: unknown) => {
          firstMessageCounted.delete(senderId);
          services.logger.warn({ err: error, matchId, userId: senderId }, 'first message not counted; the next message offers it again');
        });
      }
      return outcome;
    },
    history: (client, payload) =>
      listMessagesBefore(services.db, matchId, parts.memberOf(client).userId, payload.beforeSeq ?? parts.ledger().lastSeq + 1, pageSize(payload.limit)),
    sync: (client, payload) => {
      const member = parts.memberOf(client);
      return listMessagesBetween(services.db, matchId, member.userId, { afterSeq: payload.afterSeq, upToSeq: member.joinedAtSeq }, pageSize(payload.limit));
    },
    typing: (client, payload) => {
      const userId = parts.memberOf(client).userId;
      const nowMs = services.now().getTime();
      if (!shouldRelayTyping(typing.get(userId), payload.active, nowMs)) return { relayed: false };
      // A shadow-banned member is answered as anyone would be, and nobody hears it.
      if (parts.isHidden(userId)) return { relayed: true };
      // Under overload "typing" goes unsaid; "stopped" always follows one that was said.
      if (payload.active && services.shouldShed('typing')) return { relayed: false };
      typing.set(userId, { active: payload.active, atMs: nowMs });
      const message: TypingMessage = { userId, active: payload.active };
      room.broadcast(ChatEventType.TYPING, message, { except: client });
      return { relayed: true };
    },
    read: async (client, payload): Promise<ReadResult> => {
      const userId = parts.memberOf(client).userId;
      const outcome = await markRead(parts, userId, payload.seq);
      if (outcome.changed) {
        await saveReadMarker(services.db, matchId, userId, outcome.lastReadSeq, services.now());
        parts.sendFrom({ userId, hidden: parts.isHidden(userId) }, ChatEventType.READ, { userId, lastReadSeq: outcome.lastReadSeq });
        // The user's devices outside the thread update their unread count.
        services.userEvents.publish(userId, {
          kind: 'ephemeral',
          type: UserEventType.THREAD_READ,
          data: { matchId, lastReadSeq: outcome.lastReadSeq, unread: outcome.unread },
        });
      }
      return { lastReadSeq: outcome.lastReadSeq, unread: outcome.unread };
    },
    delete: async (client, payload) => {
      const userId = parts.memberOf(client).userId;
      const message = await findMessage(services.db, matchId, payload.seq);
      const refusal = decideMessageDeletion(message, userId);
      if (refusal) throw new AppError(refusal.code, refusal.message);
      if (!message!.deleted) {
        await eraseMessage(services.db, { matchId, seq: payload.seq, memberIds: parts.ledger().memberIds(), at: services.now() });
        parts.sendFrom({ userId, hidden: message!.hidden }, ChatEventType.DELETED, { seq: payload.seq });
      }
      return { seq: payload.seq, deleted: true };
    },
  }, { actions: { send: 'message', typing: 'typing', history: 'thread', sync: 'thread', read: 'thread', delete: 'thread' }, userOf: (client) => parts.memberOf(client).userId });
}

/**
 * Moves a member's read marker. Among older unread messages than the ledger keeps,
 * storage counts those the move reads, in the thread's write order: no other read
 * of theirs moves the marker between the count and the ledger.
 */
async function markRead(parts: ThreadParts, userId: string, seq: number): Promise<ReadOutcome> {
  const outcome = parts.ledger().markRead(userId, seq);
  if (!('countRead' in outcome)) return outcome;
  return parts.writer.exclusive(async () => {
    const again = parts.ledger().markRead(userId, seq);
    if (!('countRead' in again)) return again;
    const read = await countUnread(roomServices().db, parts.matchId, userId, again.countRead);
    return parts.ledger().settleRead(userId, { ...again.countRead, read });
  });
}

/**
 * Sends each member in the thread the messages in (afterSeq, upToSeq] that they
 * may see (a page at most; `sync` has the rest): what was stored while the actor
 * could not tell, once, as it would have arrived live.
 */
export async function deliverStored(
  matchId: string,
  members: readonly Member[],
  range: { readonly afterSeq: number; readonly upToSeq: number },
  send: (userId: string, message: StoredMessage) => void,
): Promise<void> {
  const { db } = roomServices();
  for (const userId of new Set(members.map((m) => m.userId))) {
    const { messages } = await listMessagesBetween(db, matchId, userId, range, pageSize(undefined));
    for (const message of messages) send(userId, message);
  }
}
