import type { Client } from '@colyseus/core';
import { appendUserEvents } from '../../db/repositories/eventRepository';
import { listMessagesBetween, type StoredMessage } from '../../db/repositories/messageRepository';
import { findColleague } from '../../db/repositories/threadMemberRepository';
import { ChatEventType, type ThreadMembersMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import { MAX_PAGE_SIZE } from '../../domain/chatRules';
import type { ThreadLedger } from '../../domain/threadLedger';
import { messageNotices } from '../../domain/threadNotifications';
import { roomServices } from '../roomServices';
import type { BatchColleagues, ThreadWriter } from './threadWriter';

/** What taking members in and out needs of its thread actor. */
export interface MembershipHost {
  readonly matchId: string;
  readonly writer: ThreadWriter;
  ledger(): ThreadLedger;
  clientsOf(userId: string): Client[];
  broadcast(type: string, message: unknown): void;
}

/**
 * Colleagues coming into and leaving a live thread. Each change runs in the
 * writer's order (ThreadWriter.exclusive), so a batch is numbered and its
 * notices are chosen either wholly before a colleague is in or wholly after.
 * Storage said first (the change is committed before the bus or a join brings
 * it here), so each step checks it again and repeats are harmless.
 */
export class ThreadMembership implements BatchColleagues {
  /** Colleagues storage took out whom the ledger still holds until `release` runs in the writer's order. */
  private readonly departing = new Set<string>();

  constructor(private readonly host: MembershipHost) {}

  colleagueIds(): string[] {
    return this.host.ledger().colleagueIds();
  }

  /** In the thread as far as the actor knows: in the ledger, and not on their way out. */
  holds(userId: string): boolean {
    return this.host.ledger().isMember(userId) && !this.departing.has(userId);
  }

  /**
   * A colleague storage no longer holds (the bus said so, a batch that committed after their
   * removal found them gone, or the thread was read again): their connections close now, ahead
   * of whatever the writer has queued, so nothing more is sent to them (a closing connection is
   * sent nothing), and a join of theirs is refused; the ledger lets them go in the writer's order
   * (`release`). What remains between the removal's commit and the first of those to come here:
   * what is not a stored message (typing, read markers, the member list) still reaches their
   * connections. A stored message never does: its batch reports them gone before it goes out.
   * A colleague added again at once may be closed by their first removal's word (4508) and
   * opens the thread again once told `thread.member.added`.
   */
  depart(userId: string): void {
    for (const client of this.host.clientsOf(userId)) client.leave(KismetCloseCode.REMOVED_FROM_THREAD);
    if (!this.host.ledger().isMember(userId) || this.departing.has(userId)) return; // one release is on its way already
    this.departing.add(userId);
    this.release(userId).catch((error: unknown) => roomServices().logger.warn({ err: error, matchId: this.host.matchId }, 'colleague not let go'));
  }

  /** Everyone in the thread now, to every connection in it. */
  announce(): void {
    const message: ThreadMembersMessage = { matchId: this.host.matchId, members: this.host.ledger().memberList() };
    this.host.broadcast(ChatEventType.MEMBERS, message);
  }

  /**
   * Takes in a colleague storage holds and the ledger does not (the bus told of
   * them, or they are joining first): their unread messages and `message.received`
   * for each message stored after their read marker, before the ledger had them.
   * Later messages reach them as they reach any member. True when they are in.
   */
  admit(userId: string): Promise<boolean> {
    return this.host.writer.exclusive(async () => {
      if (this.host.ledger().isMember(userId)) return true;
      const { db, userEvents } = roomServices();
      const place = await findColleague(db, this.host.matchId, userId);
      if (!place) return false;
      const missed = await this.storedSince(userId, place.lastReadSeq);
      const notices = messageNotices({
        matchId: this.host.matchId,
        memberIds: [userId],
        isPresent: () => false,
        unreadOf: () => 0,
        messages: missed.map((m) => ({ ...m, hidden: false })),
      });
      const stored = await appendUserEvents(db, userId, notices.flatMap((n) => n.events));
      this.host.ledger().addMember({
        userId,
        role: 'colleague',
        lastReadSeq: place.lastReadSeq,
        unreadSeqs: missed.filter((m) => m.senderId !== userId).map((m) => m.seq),
      });
      for (const event of stored) userEvents.publish(userId, { kind: 'stored', event });
      this.announce();
      return true;
    });
  }

  /**
   * Lets a colleague go once storage no longer holds them: their connections close, the others see the list.
   * One added again meanwhile stays.
   */
  private release(userId: string): Promise<void> {
    return this.host.writer.exclusive(async () => {
      try {
        if (!this.host.ledger().isMember(userId)) return;
        if (await findColleague(roomServices().db, this.host.matchId, userId)) return; // added again meanwhile
        this.host.ledger().removeMember(userId);
        for (const client of this.host.clientsOf(userId)) client.leave(KismetCloseCode.REMOVED_FROM_THREAD);
        this.announce();
      } finally {
        this.departing.delete(userId);
      }
    });
  }

  /** The messages after `afterSeq` up to the ledger's last, as `userId` may see them. */
  private async storedSince(userId: string, afterSeq: number): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    const upToSeq = this.host.ledger().lastSeq;
    for (let from = afterSeq; from < upToSeq; ) {
      const page = await listMessagesBetween(roomServices().db, this.host.matchId, userId, { afterSeq: from, upToSeq }, MAX_PAGE_SIZE);
      found.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
      from = page.messages[page.messages.length - 1]!.seq;
    }
    return found;
  }
}
