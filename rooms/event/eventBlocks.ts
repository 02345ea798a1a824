import { findBlocksAmong } from '../../db/repositories/blockRepository';
import { breakoutUnderBlock } from '../../domain/blockDisclosure';
import { BlockedPairs, type Block } from '../../domain/blockedPairs';
import { AppError } from '../../domain/errors';
import { roomServices } from '../roomServices';

/** What a block between two people in an event changes there. */
export interface BlockingEvent {
  /** Whether the person is in the event, or being let in now. */
  holds(userId: string): boolean;
  /** Each of the two is told the hand queue again without the other's hand. */
  readonly hands: { blocked(x: string, y: string): void };
  /** A breakout between the two ends. */
  readonly breakouts: { endBetween(x: string, y: string): Promise<void> };
}

/**
 * The blocks between the people in one event: neither of two sees what the other
 * says or their raised hand, and no breakout puts them together. The event learns them
 *
 * - at the door: onAuth reads each caller's blocks with the event's hosts and
 *   registrants (LiveEventAccess), learned when they connect, before anything is sent to them;
 * - as they are made: the node hears every block (services/recentBlocks) and tells
 *   the event, which learns it when both are in; one made between a caller's door read
 *   and their connection is among the node's recent blocks when they connect;
 * - again, for everyone in, when the node is back in touch with Redis (it may have missed some).
 *
 * Only the blocks of people in the event are kept; one who leaves is read again at their next door.
 */
export class EventBlocks {
  private readonly pairs = new BlockedPairs();
  private readonly stopHearing: () => void;

  constructor(
    private readonly eventId: string,
    private readonly event: BlockingEvent,
  ) {
    this.stopHearing = roomServices().recentBlocks.listen((block) => {
      try {
        if (this.event.holds(block.blockerId) && this.event.holds(block.blockedId)) this.learn(block);
      } catch (error) {
        roomServices().logger.warn({ err: error, eventId: this.eventId }, 'a block made during the event not applied');
      }
    });
  }

  /**
   * A connection of `userId` is let in (not yet counted as held): the blocks read at its door and
   * those made since, with the people in. Nothing of the person's shows to anyone yet (another
   * device of theirs here had these learned already), so nothing needs telling.
   */
  admit(userId: string, atDoor: readonly Block[]): void {
    const services = roomServices();
    for (const block of [...atDoor, ...services.recentBlocks.of(userId, services.now().getTime())]) {
      if (this.event.holds(block.blockerId === userId ? block.blockedId : block.blockerId)) this.pairs.add(block);
    }
  }

  /** A connection left: once the person holds none here, their blocks are forgotten. */
  left(userId: string): void {
    if (!this.event.holds(userId)) this.pairs.forget(userId);
  }

  /** The node is back in touch with Redis: the blocks among these people (those in the event) are read again. */
  async reread(userIds: readonly string[]): Promise<void> {
    try {
      for (const block of await findBlocksAmong(roomServices().db, userIds)) if (this.event.holds(block.blockerId) && this.event.holds(block.blockedId)) this.learn(block);
    } catch (error) {
      roomServices().logger.warn({ err: error, eventId: this.eventId }, 'the blocks among an event’s people not read again');
    }
  }

  /** The people a block stands between this person and, either way. */
  othersOf(userId: string): ReadonlySet<string> {
    return this.pairs.othersOf(userId);
  }

  /** Whether the attendee is told of a host's breakout with them; refused when the host blocked them (blockDisclosure). */
  breakoutTold(hostId: string, attendeeId: string): boolean {
    if (!this.pairs.between(hostId, attendeeId)) return true;
    const seen = breakoutUnderBlock(this.pairs.blocked(hostId, attendeeId));
    if (seen.refused) throw new AppError(seen.code, seen.message);
    return seen.attendeeTold;
  }

  close(): void {
    this.stopHearing();
  }

  private learn(block: Block): void {
    if (!this.pairs.add(block)) return;
    const { blockerId, blockedId } = block;
    this.event.hands.blocked(blockerId, blockedId);
    this.event.breakouts.endBetween(blockerId, blockedId).catch((error: unknown) => roomServices().logger.warn({ err: error, eventId: this.eventId }, 'a breakout between two people a block stands between not ended'));
  }
}
