import type { z } from 'zod';
import type { CallMediaAccess, CallStarted } from '../contracts/calls';
import type { ChatCommands, MessagePage, ReadResult, SendResult, ThreadReadyMessage, TypingResult } from '../contracts/chat';
import type { CardView } from '../contracts/cards';
import type { DeckResult } from '../contracts/deck';
import type {
  EventsAckResult,
  HeartbeatResult,
  LocationUpdateResult,
  PresenceSetResult,
  RewindResult,
  SessionCommands,
  SessionReadyMessage,
  SwipeResult,
} from '../contracts/session';

/** What a command's payload is, from its schema, without the legacy `ref`. */
type PayloadOf<Schema extends z.ZodType> = Omit<z.input<Schema>, 'ref'>;

export type SessionPayloads = { [K in keyof typeof SessionCommands]: PayloadOf<(typeof SessionCommands)[K]> };
export type ChatPayloads = { [K in keyof typeof ChatCommands]: PayloadOf<(typeof ChatCommands)[K]> };

interface CallEndResult {
  readonly callId: string;
  readonly state: string;
  readonly reason: string | null;
}

/** What each session command resolves with (PROTOCOL.md, "session"). */
export interface SessionResults {
  /** `session.ready` again, as it was sent on joining. */
  ready: SessionReadyMessage;
  heartbeat: HeartbeatResult;
  'presence.set': PresenceSetResult;
  swipe: SwipeResult;
  rewind: RewindResult;
  'location.update': LocationUpdateResult;
  deck: DeckResult;
  'profile.view': CardView;
  'events.ack': EventsAckResult;
  'call.start': CallStarted;
  'call.accept': CallMediaAccess;
  'call.decline': CallEndResult;
  'call.cancel': CallEndResult;
  'call.end': CallEndResult;
  'call.token': CallMediaAccess;
}

/** What each thread command resolves with (PROTOCOL.md, "chat"). */
export interface ChatResults {
  /** `thread.ready` again, as it was sent on joining. */
  ready: ThreadReadyMessage;
  send: SendResult;
  history: MessagePage;
  sync: MessagePage;
  typing: TypingResult;
  read: ReadResult;
  delete: { readonly seq: number; readonly deleted: true };
}

// Every command of the contracts has a result type here, and nothing else does.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sessionComplete: Same<keyof SessionResults, keyof typeof SessionCommands> = true;
const chatComplete: Same<keyof ChatResults, keyof typeof ChatCommands> = true;
void sessionComplete;
void chatComplete;
