import { ChatJoinOptions } from '../../contracts/chat';
import { decideThreadAccess } from '../../domain/chatRules';
import { AppError, ErrorCode } from '../../domain/errors';
import { ActorRoom, type SeatHolder } from '../actorRoom';
import { roomServices } from '../roomServices';

/** Who was admitted to a thread, and to which one. */
export interface ChatAuth extends SeatHolder {
  readonly matchId: string;
}

/**
 * The door of a thread, in matchmaking, on whichever node took the join: only
 * members of a live match get in (NOT_A_MEMBER, BLOCKED to whoever blocked, UNMATCHED, ACCOUNT_BANNED).
 */
export async function admitToThread(token: string, rawOptions: unknown): Promise<ChatAuth> {
  const { userId, options, seatToken } = await ActorRoom.admitCaller(token, rawOptions, ChatJoinOptions);
  const access = await roomServices().threads.access(options.matchId, userId);
  if (access?.callerBanned) throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned');
  const refusal = decideThreadAccess({
    isMember: access?.isMember ?? false,
    status: access?.status,
    blockedEitherWay: access?.blockedEitherWay ?? false,
    callerBlocked: access?.callerBlocked ?? false,
  });
  if (refusal) throw new AppError(refusal.code, refusal.message);
  return { userId, seatToken, matchId: options.matchId };
}
