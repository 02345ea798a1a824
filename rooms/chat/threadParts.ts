import type { Client } from '@colyseus/core';
import type { TypingSent } from '../../domain/chatRules';
import { AppError, ErrorCode } from '../../domain/errors';
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

  /** The member a connection is; NOT_A_MEMBER for one that has not joined. */
  memberOf(client: Client): Member {
    const member = this.members.get(client.sessionId);
    // A colleague being taken out is held out of commands until storage says (threadMembership.ts).
    if (!member || !this.membership.holds(member.userId)) throw new AppError(ErrorCode.NOT_A_MEMBER, 'this connection is not in the thread');
    return member;
  }

  /** The members with a connection to the thread, each once. */
  connectedUserIds(): string[] {
    return [...new Set([...this.members.values()].map((m) => m.userId))];
  }
}
