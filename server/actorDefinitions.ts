import type { Server } from '@colyseus/core';
import { ACTOR_KEY_OPTION } from '../contracts/actors';
import { CHAT_ROOM } from '../contracts/chat';
import { LOBBY_ROOM } from '../contracts/deck';
import { LIVE_EVENT_ROOM } from '../contracts/liveEvents';
import { SESSION_ROOM } from '../contracts/session';
import { ChatThreadRoom } from '../rooms/chat/ChatThreadRoom';
import { LiveEventRoom } from '../rooms/event/LiveEventRoom';
import { LobbyRoom } from '../rooms/lobby/LobbyRoom';
import { SessionRoom } from '../rooms/session/SessionRoom';

/** The four actor kinds, each found by the one option that names its identity. */
export function defineActors(server: Server): void {
  server.define(SESSION_ROOM, SessionRoom).filterBy([ACTOR_KEY_OPTION.session]);
  server.define(CHAT_ROOM, ChatThreadRoom).filterBy([ACTOR_KEY_OPTION.chat]);
  server.define(LOBBY_ROOM, LobbyRoom).filterBy([ACTOR_KEY_OPTION.cell]);
  server.define(LIVE_EVENT_ROOM, LiveEventRoom).filterBy([ACTOR_KEY_OPTION.event]);
}
