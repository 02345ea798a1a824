import type { ThreadMember, ThreadRole } from './threadColleagues';

/** A member's position in a thread, as loaded when the thread actor starts (or takes a colleague). */
export interface MemberPosition {
  readonly userId: string;
  /** A party unless said otherwise. */
  readonly role?: ThreadRole;
  readonly lastReadSeq: number;
  /** Sequences above `lastReadSeq` sent by someone else, ascending: all of them, or the newest. */
  readonly unreadSeqs: readonly number[];
  /** How many there are in all, when more than `unreadSeqs` (only the newest were read). */
  readonly unreadCount?: number;
  /** Whether they had sent a message in the thread; unknown when not given. */
  readonly hasSent?: boolean;
}

export interface ReadOutcome {
  readonly changed: boolean;
  readonly lastReadSeq: number;
  readonly unread: number;
}

/**
 * A read marker that would stop among older unread messages than the ledger
 * keeps: storage counts those the move reads, in (afterSeq, upToSeq] (sent by
 * others, not hidden), and `settleRead` takes the count. What a count costs
 * follows how far the marker moves, and a marker only moves forward.
 */
export interface ReadCountNeeded {
  readonly countRead: { readonly afterSeq: number; readonly upToSeq: number };
}

/**
 * Unread sequences kept per member, the newest: a member who never reads would
 * otherwise hold one for every message of the thread, for as long as it lives.
 * Older unread messages are counted only; a read marker moved among them is
 * counted in storage (rare: a client marks what it has shown, the newest).
 */
export const UNREAD_KEPT = 64;

interface Member {
  readonly role: ThreadRole;
  lastReadSeq: number;
  /** Unread messages, all of them. */
  unread: number;
  /** The newest of them, ascending, UNREAD_KEPT at most. */
  kept: number[];
  hasSent: boolean | undefined;
}

/**
 * The numbers of one thread: the last sequence taken, and each member's read
 * marker and unread messages. The thread actor is the only writer of its
 * thread, so after loading once it can keep these exact in memory.
 */
export class ThreadLedger {
  private last: number;
  private readonly members = new Map<string, Member>();

  constructor(lastSeq: number, members: readonly MemberPosition[]) {
    this.last = lastSeq;
    for (const m of members) this.addMember(m);
  }

  /**
   * Takes a member in (a colleague added to a live thread): their unread messages
   * are the ones after their read marker, up to the last sequence. A member already
   * in stays as they are; false then.
   */
  addMember(position: MemberPosition): boolean {
    if (this.members.has(position.userId)) return false;
    const seqs = position.unreadSeqs.filter((seq) => seq <= this.last);
    // Those past the last sequence are among the newest given, and are not counted either.
    const unread = (position.unreadCount ?? position.unreadSeqs.length) - (position.unreadSeqs.length - seqs.length);
    const kept = seqs.slice(-UNREAD_KEPT);
    this.members.set(position.userId, { role: position.role ?? 'party', lastReadSeq: position.lastReadSeq, unread: Math.max(unread, kept.length), kept, hasSent: position.hasSent });
    return true;
  }

  /** Lets a member go (a colleague removed or leaving); false when they were not in. */
  removeMember(userId: string): boolean {
    return this.members.delete(userId);
  }

  /** Everyone in the thread with their role, parties first, each group by id. */
  memberList(): ThreadMember[] {
    return [...this.members]
      .map(([userId, m]) => ({ userId, role: m.role }))
      .sort((x, y) => (x.role === y.role ? (x.userId < y.userId ? -1 : 1) : x.role === 'party' ? -1 : 1));
  }

  get lastSeq(): number {
    return this.last;
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  /** The members who are colleagues (the only ones who may leave a live thread). */
  colleagueIds(): string[] {
    return [...this.members].filter(([, m]) => m.role === 'colleague').map(([userId]) => userId);
  }

  isMember(userId: string): boolean {
    return this.members.has(userId);
  }

  /**
   * Takes committed messages, which must continue the sequence without a gap. A
   * hidden message (its sender shadow-banned) is unread for nobody: only its sender sees it.
   */
  commit(messages: ReadonlyArray<{ readonly seq: number; readonly senderId: string; readonly hidden: boolean }>): void {
    for (const message of messages) {
      if (message.seq !== this.last + 1) throw new Error(`thread sequence would skip from ${this.last} to ${message.seq}`);
      this.last = message.seq;
      const sender = this.members.get(message.senderId);
      if (sender) sender.hasSent = true;
      if (message.hidden) continue;
      for (const [userId, member] of this.members) {
        if (userId === message.senderId) continue;
        member.unread += 1;
        if (member.kept.push(message.seq) > UNREAD_KEPT) member.kept.shift();
      }
    }
  }

  /** Whether a member has sent a message in the thread (loaded, then counted on commit); undefined when unknown. */
  hasSent(userId: string): boolean | undefined {
    return this.members.get(userId)?.hasSent;
  }

  unread(userId: string): number {
    return this.members.get(userId)?.unread ?? 0;
  }

  lastRead(userId: string): number {
    return this.members.get(userId)?.lastReadSeq ?? 0;
  }

  /**
   * Moves a member's read marker forward, never past the last message and never
   * back. A marker that would stop among older unread messages than the ledger
   * keeps moves only with their count from storage (`ReadCountNeeded`).
   */
  markRead(userId: string, seq: number): ReadOutcome | ReadCountNeeded {
    const member = this.members.get(userId);
    if (!member) return { changed: false, lastReadSeq: 0, unread: 0 };
    const target = Math.min(seq, this.last);
    if (target <= member.lastReadSeq) return { changed: false, lastReadSeq: member.lastReadSeq, unread: member.unread };
    if (member.unread > member.kept.length && target < member.kept[0]!) return { countRead: { afterSeq: member.lastReadSeq, upToSeq: target } };
    // Every older unread message lies below the first kept one, so at or below the marker.
    this.forgetReadUpTo(member, target);
    member.unread = member.kept.length;
    return { changed: true, lastReadSeq: target, unread: member.unread };
  }

  /**
   * Completes a read that needed a count: `read` unread messages lay in
   * (afterSeq, upToSeq], and `afterSeq` must be the member's marker still.
   */
  settleRead(userId: string, counted: ReadCountNeeded['countRead'] & { readonly read: number }): ReadOutcome {
    const member = this.members.get(userId);
    if (!member) return { changed: false, lastReadSeq: 0, unread: 0 };
    if (counted.afterSeq !== member.lastReadSeq) throw new Error(`a count from ${counted.afterSeq} settles nothing for a marker at ${member.lastReadSeq}`);
    this.forgetReadUpTo(member, counted.upToSeq);
    member.unread = Math.max(member.unread - counted.read, member.kept.length);
    return { changed: true, lastReadSeq: member.lastReadSeq, unread: member.unread };
  }

  private forgetReadUpTo(member: Member, target: number): void {
    member.lastReadSeq = target;
    let read = 0;
    while (read < member.kept.length && member.kept[read]! <= target) read++;
    member.kept.splice(0, read);
  }

  readMarkers(): Array<{ userId: string; lastReadSeq: number }> {
    return [...this.members].map(([userId, m]) => ({ userId, lastReadSeq: m.lastReadSeq }));
  }
}
