import { z } from 'zod';
import type { ChatMessage } from '../domain/chatRules';
import type { ThreadMember } from '../domain/threadColleagues';

export type { ChatMessage, ThreadMember };
import { CommandRef, READY_COMMAND, ReadyCommand, Uuid } from './common';
import { CHAT_ROOM, ChatEventType } from './messageTypes';

export { CHAT_ROOM, ChatEventType };

/** Options of `joinOrCreate('chat', ...)`: the match whose thread to open. */
export const ChatJoinOptions = z.strictObject({ matchId: Uuid });
export type ChatJoinOptions = z.infer<typeof ChatJoinOptions>;

const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const PageLimit = z.number().int().min(1).max(10_000).optional();

/** Commands a member's device sends to a thread, by message type. */
export const ChatCommands = {
  /** The message sent on joining, again (see READY_COMMAND). */
  [READY_COMMAND]: ReadyCommand,
  /**
   * A new message. `clientMessageId` is chosen by the client and kept across
   * resends: a resend gets the first answer back and stores nothing new.
   * Sizes are checked by the thread's rules (MESSAGE_TOO_LARGE), not here.
   */
  send: z.strictObject({
    ref: CommandRef,
    clientMessageId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'clientMessageId: 1–64 of A–Z a–z 0–9 . _ : -'),
    kind: z.enum(['text', 'media']),
    body: z.string().optional(),
    mediaUrl: z.string().optional(),
  }),
  /** A page of messages before `beforeSeq` (or the newest), oldest first. */
  history: z.strictObject({ ref: CommandRef, beforeSeq: Seq.min(1).optional(), limit: PageLimit }),
  /** After a reconnect: the messages after `afterSeq` up to `thread.ready`'s `lastSeq`, oldest first. */
  sync: z.strictObject({ ref: CommandRef, afterSeq: Seq, limit: PageLimit }),
  typing: z.strictObject({ ref: CommandRef, active: z.boolean() }),
  /** This member has read everything up to and including `seq`. */
  read: z.strictObject({ ref: CommandRef, seq: Seq }),
  /** Deletes one of the caller's messages for everyone; its sequence stays. */
  delete: z.strictObject({ ref: CommandRef, seq: Seq.min(1) }),
} as const;
export type ChatCommandType = keyof typeof ChatCommands;

export interface ReadMarker {
  readonly userId: string;
  readonly lastReadSeq: number;
}

export interface ThreadReadyMessage {
  readonly matchId: string;
  /** Everything up to here is fetched with `sync`; everything after arrives live. */
  readonly lastSeq: number;
  readonly readMarkers: readonly ReadMarker[];
  readonly unread: number;
  /** Everyone in the thread: the two matched people, and colleagues a recruiter added. */
  readonly members: readonly ThreadMember[];
  /** Which node holds the actor, for operators and tests. */
  readonly node: string;
}

/** `thread.members`: who is in the thread now, after a colleague came or went. */
export interface ThreadMembersMessage {
  readonly matchId: string;
  readonly members: readonly ThreadMember[];
}

export interface SendResult {
  readonly seq: number;
  readonly at: number;
  /** True when this client message id was stored before: the answer is the first one. */
  readonly repeated: boolean;
}

export interface MessagePage {
  readonly messages: readonly ChatMessage[];
  /** More messages lie beyond this page in the direction asked. */
  readonly hasMore: boolean;
}

export interface TypingMessage {
  readonly userId: string;
  readonly active: boolean;
}

export interface TypingResult {
  /** False when throttled: the others heard "typing" recently. */
  readonly relayed: boolean;
}

export interface ReadResult {
  readonly lastReadSeq: number;
  readonly unread: number;
}

export interface DeletedMessage {
  readonly seq: number;
}

export interface ThreadClosedMessage {
  readonly matchId: string;
  /** ACCOUNT_DELETED: the other person deleted their account. BLOCKED reaches the member who blocked alone; the person blocked gets UNMATCHED. */
  readonly code: 'UNMATCHED' | 'BLOCKED' | 'ACCOUNT_DELETED';
}

export type { MessageReceivedData } from '../domain/userEvents';
