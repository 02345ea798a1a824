import { LiveEventJoinOptions } from '../../contracts/liveEvents';
import type { Block } from '../../domain/blockedPairs';
import { AppError, ErrorCode } from '../../domain/errors';
import { decideLiveEventJoin, liveEventPhase, type LiveEventRole } from '../../domain/liveEventRules';
import { ActorRoom, type SeatHolder } from '../actorRoom';
import { roomServices } from '../roomServices';

/** What the door of an event found of a caller, kept with their seat until they connect. */
export interface LiveEventAuth extends SeatHolder {
  /** The event the caller was admitted to. */
  readonly eventId: string;
  readonly role: LiveEventRole;
  /** Whether the person needs a seat (hosts do not); it is taken when they connect. */
  readonly needsSeat: boolean;
  readonly shadowBanned: boolean;
  /** When the event ends (ms since the epoch): its actor ends then (EventEnd). */
  readonly endsAt: number;
  /** The blocks between the caller and the event's hosts and registrants (EventBlocks). */
  readonly blocks: readonly Block[];
}

/**
 * The door of an event, in matchmaking, on whichever node took the join: its hosts
 * and registrants get in while its doors are open (domain/liveEventRules), unless their account is banned or deleted.
 */
export async function admitToEvent(token: string, rawOptions: unknown): Promise<LiveEventAuth> {
  const { userId, options, seatToken } = await ActorRoom.admitCaller(token, rawOptions, LiveEventJoinOptions);
  const services = roomServices();
  const access = await services.attendance.access(options.eventId, userId);
  if (!access) throw new AppError(ErrorCode.EVENT_NOT_FOUND, 'no such event');
  // Asked of the account itself: a token outlives its revocation on a node that never heard it, or once it is forgotten.
  if (access.callerBanned) throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned or deleted');
  const decision = decideLiveEventJoin({ ...access, phase: liveEventPhase(access.event, services.now().getTime()) });
  if (decision.kind === 'refused') throw new AppError(decision.code, decision.message);
  return {
    userId, seatToken, eventId: options.eventId, role: decision.role, needsSeat: decision.takesSeat, shadowBanned: access.shadowBanned, endsAt: access.event.endsAt, blocks: access.blocks,
  };
}
