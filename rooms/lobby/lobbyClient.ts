import { matchMaker } from '@colyseus/core';
import { AppError, ErrorCode } from '../../domain/errors';
import { actorRoomId } from '../../contracts/actors';
import { LOBBY_ROOM } from '../../contracts/deck';
import { resultOf, type RemoteAnswer } from '../remoteAnswer';
import type { LobbyRoom } from './LobbyRoom';

/** Tries to reach a lobby before giving up; a lobby on a dead node comes back elsewhere once the node is swept. */
const ATTEMPTS = 3;

type LobbyMethod = 'enter' | 'leave' | 'deck';

/**
 * Calls a method of the lobby of `cell`, wherever it lives, creating it if it
 * does not exist (one lobby per cell: the listing insert is atomic).
 */
export async function callLobby<T>(cell: string, method: LobbyMethod, args: unknown[]): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      const listing = (await matchMaker.findOneRoomAvailable(LOBBY_ROOM, { cell })) ?? (await matchMaker.createRoom(LOBBY_ROOM, { cell }));
      return resultOf((await matchMaker.remoteRoomCall<LobbyRoom>(listing.roomId ?? actorRoomId('cell', cell), method, args)) as RemoteAnswer<T>);
    } catch (error) {
      if (error instanceof AppError) throw error;
      lastError = error;
    }
  }
  throw new AppError(ErrorCode.ACTOR_UNAVAILABLE, `the lobby of ${cell} did not answer`, { cause: lastError });
}
