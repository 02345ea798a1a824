/** One block: `blockerId` blocked `blockedId`. */
export interface Block {
  readonly blockerId: string;
  readonly blockedId: string;
}

const NOBODY: ReadonlySet<string> = new Set();

/**
 * The blocks among a group of people (a live event's attendees), by person: a
 * block hides each from the other whoever made it, so most questions are about
 * either way; who made it decides only what each may be told (blockDisclosure).
 */
export class BlockedPairs {
  /** Everyone a block stands between a person and, either way. */
  private readonly others = new Map<string, Set<string>>();
  /** Who blocked whom: `blocker>blocked`. */
  private readonly made = new Set<string>();

  /** Records a block; false when one stood between the two already (either way), so nothing changes for them. */
  add({ blockerId, blockedId }: Block): boolean {
    const known = this.between(blockerId, blockedId);
    this.made.add(`${blockerId}>${blockedId}`);
    if (known) return false;
    for (const [x, y] of [[blockerId, blockedId], [blockedId, blockerId]] as const) {
      const others = this.others.get(x);
      if (others) others.add(y);
      else this.others.set(x, new Set([y]));
    }
    return true;
  }

  /** Whether a block stands between the two, either way. */
  between(x: string, y: string): boolean {
    return this.others.get(x)?.has(y) ?? false;
  }

  /** Whether `blockerId` blocked `blockedId` (not the other way). */
  blocked(blockerId: string, blockedId: string): boolean {
    return this.made.has(`${blockerId}>${blockedId}`);
  }

  /** The people a block stands between this person and. */
  othersOf(userId: string): ReadonlySet<string> {
    return this.others.get(userId) ?? NOBODY;
  }

  /** The person left the group: their blocks are read again if they come back. */
  forget(userId: string): void {
    for (const other of this.othersOf(userId)) {
      const theirs = this.others.get(other);
      theirs?.delete(userId);
      if (theirs?.size === 0) this.others.delete(other);
      this.made.delete(`${userId}>${other}`);
      this.made.delete(`${other}>${userId}`);
    }
    this.others.delete(userId);
  }
}
