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
import type { ActorRoom } from '../rooms/actorRoom';

/**
 * The four actor kinds, each found by the one option that names its identity. An
 * actor serves from the moment Colyseus listed it ("create", once its insert won):
 * a copy another node listed first is thrown away without ever serving.
 */
export function defineActors(server: Server): void {
  const serveOnceListed = (actor: ActorRoom) => actor.listed();
  server.define(SESSION_ROOM, SessionRoom).filterBy([ACTOR_KEY_OPTION.session]).on('create', serveOnceListed);
  server.define(CHAT_ROOM, ChatThreadRoom).filterBy([ACTOR_KEY_OPTION.chat]).on('create', serveOnceListed);
  server.define(LOBBY_ROOM, LobbyRoom).filterBy([ACTOR_KEY_OPTION.cell]).on('create', serveOnceListed);
  server.define(LIVE_EVENT_ROOM, LiveEventRoom).filterBy([ACTOR_KEY_OPTION.event]).on('create', serveOnceListed);
}
