import type { TypingSent } from '../../domain/chatRules';
import type { ThreadLedger } from '../../domain/threadLedger';
import type { Member } from './chatCommands';
import { MessageOrigins } from './messageOrigins';
import type { ThreadMembership } from './threadMembership';
import type { ThreadWriter } from './threadWriter';

/**
 * What a thread actor is made of besides Colyseus's room, kept in one property of
 * the room (rooms/actorRoom.ts says why). The writer, ledger and membership are
 * made in the actor's onCreate.
 */
export class ThreadParts {
  matchId = '';
  ledger!: ThreadLedger;
  writer!: ThreadWriter;
  membership!: ThreadMembership;
  readonly members = new Map<string, Member>(); // by Colyseus sessionId
  readonly origins = new MessageOrigins();
  readonly typing = new Map<string, TypingSent>();
  /** Shadow-banned members: what they send, type or read reaches their own devices only. */
  hiddenMembers = new Set<string>();
  unsubscribe: (() => void) | undefined;
  closed = false;

  /** The members with a connection to the thread, each once. */
  connectedUserIds(): string[] {
    return [...new Set([...this.members.values()].map((m) => m.userId))];
  }
}
