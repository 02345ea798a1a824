import type { Client } from '@colyseus/core';
import type { Transaction } from 'kysely';
import { appendUserEvents } from '../../db/repositories/eventRepository';
import { listMessagesBetween, type StoredMessage } from '../../db/repositories/messageRepository';
import { findColleague, underMatchShare } from '../../db/repositories/threadMemberRepository';
import { ChatEventType, type ThreadMembersMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import { MAX_PAGE_SIZE } from '../../domain/chatRules';
import type { Database } from '../../db/types';
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
 * Storage has the last word (an addition is committed before the bus or a join
 * brings it here; a removal tells the thread before it commits, and is waited
 * for), so each step reads it again under the match's lock and repeats are harmless.
 */
export class ThreadMembership implements BatchColleagues {
  /** Colleagues a removal is taking out: held out (`holds`) until `release` reads storage in the writer's order. */
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
   * A colleague storage no longer holds, or soon may not (the bus said so, told by a removal
   * before it commits, or again after; a batch that committed after their removal found them
   * gone; the thread was read again): their connections close now, ahead of whatever the writer
   * has queued, so nothing more is sent to them (a closing connection is sent nothing), and
   * their joins and commands are refused (`holds`) until storage has the last word, read in the
   * writer's order under the match's lock (`release`): gone, the ledger lets them go; still in
   * (the removal did not commit, or they were added again), they may join again. A removal tells
   * the thread before it commits, so no broadcast after its commit reaches them, whatever it is.
   */
  depart(userId: string): void {
    for (const client of this.host.clientsOf(userId)) client.leave(KismetCloseCode.REMOVED_FROM_THREAD);
    if (this.departing.has(userId)) return; // one release is on its way already
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
      if (this.host.ledger().isMember(userId)) return this.holds(userId);
      const { db, userEvents } = roomServices();
      // Under the match's lock: a removal either committed before the place is read, or
      // waits for these notices and takes their previews out when it commits.
      const admitted = await underMatchShare(db, this.host.matchId, async (tx) => {
        const place = await findColleague(tx, this.host.matchId, userId);
        if (!place) return undefined;
        const missed = await this.storedSince(tx, userId, place.lastReadSeq);
        const notices = messageNotices({
          matchId: this.host.matchId,
          memberIds: [userId],
          isPresent: () => false,
          unreadOf: () => 0,
          messages: missed.map((m) => ({ ...m, hidden: false })),
        });
        return { place, missed, stored: await appendUserEvents(tx, userId, notices.flatMap((n) => n.events)) };
      });
      if (!admitted) return false;
      const { place, missed, stored } = admitted;
      this.host.ledger().addMember({
        userId,
        role: 'colleague',
        lastReadSeq: place.lastReadSeq,
        unreadSeqs: missed.filter((m) => m.senderId !== userId).map((m) => m.seq),
      });
      for (const event of stored) userEvents.publish(userId, { kind: 'stored', event });
      this.announce();
      return this.holds(userId);
    });
  }

  /**
   * Gives storage the last word on a departing colleague, under the match's lock (a removal
   * that told the thread before it committed is waited for): gone, the ledger lets them go,
   * their connections close and the others see the list; still in, they may join again.
   */
  private release(userId: string): Promise<void> {
    return this.host.writer.exclusive(async () => {
      try {
        const { db } = roomServices();
        if (await underMatchShare(db, this.host.matchId, (tx) => findColleague(tx, this.host.matchId, userId))) return; // still in, or added again
        if (!this.host.ledger().isMember(userId)) return;
        this.host.ledger().removeMember(userId);
        for (const client of this.host.clientsOf(userId)) client.leave(KismetCloseCode.REMOVED_FROM_THREAD);
        this.announce();
      } finally {
        this.departing.delete(userId);
      }
    });
  }

  /** The messages after `afterSeq` up to the ledger's last, as `userId` may see them. */
  private async storedSince(tx: Transaction<Database>, userId: string, afterSeq: number): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    const upToSeq = this.host.ledger().lastSeq;
    for (let from = afterSeq; from < upToSeq; ) {
      const page = await listMessagesBetween(tx, this.host.matchId, userId, { afterSeq: from, upToSeq }, MAX_PAGE_SIZE);
      found.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
      from = page.messages[page.messages.length - 1]!.seq;
    }
    return found;
  }
}
