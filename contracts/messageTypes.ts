/**
 * Room names, the types of the messages actors send, and Kismet's close codes:
 * plain constants without schemas, so that a browser client imports them
 * without the validation library. The modules of each actor re-export them.
 */

/**
 * The command every actor answers with the message it sent on joining
 * (`session.ready`, `thread.ready`, `lobby.ready`, `event.ready`), unchanged: a
 * client that registers its handler late asks for it with `room.request('ready')`.
 */
export const READY_COMMAND = 'ready';

/** Room name of the session actor, `session:<userId>`. */
export const SESSION_ROOM = 'session';

/** Messages the session sends to its devices, by type. */
export const SessionEventType = {
  READY: 'session.ready',
  DEVICES_CHANGED: 'devices.changed',
  /** One event of the user's stream: see UserEventMessage. */
  EVENT: 'event',
} as const;

/** Room name of the chat thread actor, `chat:<matchId>`. */
export const CHAT_ROOM = 'chat';

/** Messages a thread sends to its members' devices, by type. */
export const ChatEventType = {
  READY: 'thread.ready',
  MESSAGE: 'message',
  TYPING: 'typing',
  READ: 'read',
  DELETED: 'message.deleted',
  CLOSED: 'thread.closed',
  /** Who is in the thread changed (a colleague came or went): the whole list. */
  MEMBERS: 'thread.members',
} as const;

/** WebSocket close codes Kismet uses, clear of Colyseus's own 4000–4010. */
export const KismetCloseCode = {
  /** The node is draining: reconnect, and the actor is re-created on another node. */
  NODE_DRAINING: 4501,
  /** The account was banned or its session revoked. */
  SESSION_REVOKED: 4502,
  /** The match ended (unmatch or block): the thread is closed for good. */
  THREAD_CLOSED: 4503,
  /** The actor found another instance of itself writing: rejoin to reach the one that stays. */
  ACTOR_MOVED: 4504,
  /** The user's location moved to another cell: watch the lobby named in `lobby.changed` instead. */
  LOBBY_MOVED: 4505,
  /** A host removed the attendee from a live event: rejoining is refused (REMOVED_FROM_EVENT). */
  REMOVED_FROM_EVENT: 4506,
  /**
   * The node lost Redis, and with it its place in the cluster: it stopped serving its
   * actors before another node may take them. Rejoin through any node, with backoff.
   */
  NODE_FENCED: 4507,
  /** A colleague left a hiring thread or was taken out of it: rejoining is refused (NOT_A_MEMBER). */
  REMOVED_FROM_THREAD: 4508,
  /** The live event reached its end: everyone's connections close, and rejoining is refused (EVENT_ENDED). */
  EVENT_ENDED: 4509,
  /**
   * The connection kept sending far more messages than its rate (CONNECTION_MESSAGE_*), past its
   * refusals: rejoin after a pause, and send less (HTTP's 429).
   */
  TOO_MANY_MESSAGES: 4429,
} as const;
