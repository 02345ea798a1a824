import type { MatchStatus } from './chatRules';
import { ErrorCode } from './errors';

/**
 * Who learns that a block ended a match: the person who made it, alone. The one
 * blocked, and anyone else in the thread, is told what an unmatch tells them
 * (swipes answer a block as a missing card for the same reason): a block must
 * not read as one from the other side, so nobody learns who blocked them.
 */

/** Why a thread closed, as its members are told (`thread.closed`). */
export type ThreadEndCode = 'UNMATCHED' | 'BLOCKED' | 'ACCOUNT_DELETED';

/** A thread's end: its code as stored or announced, and the members who blocked someone on its other side. */
export interface ThreadEnd {
  readonly code: ThreadEndCode;
  readonly blockerIds: readonly string[];
}

/** A match's status as one of its members is shown it: `blocked` only to whoever blocked. */
export function matchStatusSeenBy(status: MatchStatus, viewerBlocked: boolean): MatchStatus {
  return status === 'blocked' && !viewerBlocked ? 'unmatched' : status;
}

/** The end of a thread whose match storage holds ended (or gone: an unmatch to all). */
export function threadEndOf(ended: { readonly status: MatchStatus; readonly blockerIds: readonly string[] } | undefined): ThreadEnd {
  return ended?.status === 'blocked' ? { code: 'BLOCKED', blockerIds: ended.blockerIds } : { code: 'UNMATCHED', blockerIds: [] };
}

/** Why the thread closed, as one member is told it. */
export function endCodeSeenBy(end: ThreadEnd, userId: string): ThreadEndCode {
  return end.code === 'BLOCKED' && !end.blockerIds.includes(userId) ? 'UNMATCHED' : end.code;
}

/** A host's breakout with an attendee a block stands between: refused, or opened without the attendee. */
export type BreakoutUnderBlock = { readonly refused: true; readonly code: ErrorCode; readonly message: string } | { readonly refused: false; readonly attendeeTold: false };

/**
 * A breakout a block stands between, as the host who asked sees it: `BLOCKED` when they
 * made the block. When the attendee blocked them it is answered as any breakout is, with
 * a media room of its own that the attendee is never told of: the host sees a candidate
 * who did not come, as anyone may not. A refusal would tell them, since their moderation
 * (mute, promote) still reaches that attendee and shows them there.
 */
export function breakoutUnderBlock(hostBlocked: boolean): BreakoutUnderBlock {
  return hostBlocked ? { refused: true, code: ErrorCode.BLOCKED, message: 'you blocked that person' } : { refused: false, attendeeTold: false };
}
