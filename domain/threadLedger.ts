import type { ThreadMember, ThreadRole } from './threadColleagues';

/** A member's position in a thread, as loaded when the thread actor starts (or takes a colleague). */
export interface MemberPosition {
  readonly userId: string;
  /** A party unless said otherwise. */
  readonly role?: ThreadRole;
  readonly lastReadSeq: number;
  /** Sequences above `lastReadSeq` sent by someone else, ascending. */
  readonly unreadSeqs: readonly number[];
  /** Whether they had sent a message in the thread; unknown when not given. */
  readonly hasSent?: boolean;
}

export interface ReadOutcome {
  readonly changed: boolean;
  readonly lastReadSeq: number;
  readonly unread: number;
}

interface Member {
  readonly role: ThreadRole;
  lastReadSeq: number;
  unread: number[];
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
    this.members.set(position.userId, { role: position.role ?? 'party', lastReadSeq: position.lastReadSeq, unread: position.unreadSeqs.filter((seq) => seq <= this.last), hasSent: position.hasSent });
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
      for (const [userId, member] of this.members) if (userId !== message.senderId) member.unread.push(message.seq);
    }
  }

  /** Whether a member has sent a message in the thread (loaded, then counted on commit); undefined when unknown. */
  hasSent(userId: string): boolean | undefined {
    return this.members.get(userId)?.hasSent;
  }

  unread(userId: string): number {
    return this.members.get(userId)?.unread.length ?? 0;
  }

  lastRead(userId: string): number {
    return this.members.get(userId)?.lastReadSeq ?? 0;
  }

  /** Moves a member's read marker forward, never past the last message and never back. */
  markRead(userId: string, seq: number): ReadOutcome {
    const member = this.members.get(userId);
    if (!member) return { changed: false, lastReadSeq: 0, unread: 0 };
    const target = Math.min(seq, this.last);
    if (target <= member.lastReadSeq) return { changed: false, lastReadSeq: member.lastReadSeq, unread: member.unread.length };
    member.lastReadSeq = target;
    let read = 0;
    while (read < member.unread.length && member.unread[read]! <= target) read++;
    member.unread.splice(0, read);
    return { changed: true, lastReadSeq: target, unread: member.unread.length };
  }

  readMarkers(): Array<{ userId: string; lastReadSeq: number }> {
    return [...this.members].map(([userId, m]) => ({ userId, lastReadSeq: m.lastReadSeq }));
  }
}
