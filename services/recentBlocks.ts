import type { Block } from '../domain/blockedPairs';
import { RecentEntries } from './recentEntries';

/**
 * How long a node keeps the blocks it heard: longer than a join's way from the door,
 * where it read its person's blocks, to its connection (the matchmaking deadline,
 * DEPENDENCY_TIMEOUT_MS, at most 10 s, then Colyseus's seat reservation, 15 s).
 */
export const RECENT_BLOCKS_MS = 60_000;

type Heard = { readonly block: Block; readonly atMs: number };

/**
 * The blocks this node heard of lately (on the block bus: services/eventNews), by person,
 * and the live events on the node that listen for them. An event learns a block between
 * two people at once when either is in it; one made between an attendee's door
 * read and their connection, while neither was in, it finds here when they connect.
 */
export class RecentBlocks {
  private readonly byPerson: RecentEntries<readonly Heard[]>;
  private readonly listeners = new Set<(block: Block) => void>();

  constructor(private readonly keepMs = RECENT_BLOCKS_MS) {
    this.byPerson = new RecentEntries(keepMs);
  }

  /** A block was made: kept for both people, and told to every listener. */
  heard(block: Block, nowMs: number): void {
    this.byPerson.prune(nowMs);
    for (const userId of [block.blockerId, block.blockedId]) this.byPerson.set(userId, [...this.heardOf(userId, nowMs), { block, atMs: nowMs }], nowMs);
    for (const listener of this.listeners) listener(block);
  }

  /** The blocks made by or of this person heard within `keepMs`. */
  of(userId: string, nowMs: number): readonly Block[] {
    return this.heardOf(userId, nowMs).map((heard) => heard.block);
  }

  private heardOf(userId: string, nowMs: number): readonly Heard[] {
    return (this.byPerson.get(userId)?.value ?? []).filter((heard) => nowMs - heard.atMs <= this.keepMs);
  }

  /** Hears every block from now on; returns what stops it. */
  listen(listener: (block: Block) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
