import { z } from 'zod';
import type { ErrorCode } from '../domain/errors';

/** Types of the messages every actor may send to its clients. */
export const ServerMessageType = {
  /** The answer to a command that carried a `ref`. */
  REPLY: 'reply',
  /** A refused command or join; carries the command's `ref` when it had one. */
  ERROR: 'error',
} as const;

/** A client-chosen id that ties a reply or an error to its command. */
export const CommandRef = z.string().min(1).max(64).optional();

/**
 * The command every actor answers with the message it sent on joining
 * (`session.ready`, `thread.ready`, `lobby.ready`, `event.ready`), unchanged: a
 * client that registers its handler late asks for it with `room.request('ready')`.
 */
export const READY_COMMAND = 'ready';
export const ReadyCommand = z.strictObject({ ref: CommandRef });

/**
 * A refused command, as `room.request()` of `@colyseus/sdk` rejects it: the
 * error's `reason` (its `name` is `rejected`). The same fields as `error`, without `ref`.
 */
export interface CommandRefusal {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterMs?: number;
}

export interface ReplyMessage<Result = unknown> {
  readonly ref: string | undefined;
  readonly ok: true;
  readonly result: Result;
}

export interface ErrorMessage {
  readonly ref: string | undefined;
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterMs?: number;
}

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
  /**
   * The node lost Redis, and with it its place in the cluster: it stopped serving its
   * actors before another node may take them. Rejoin through any node, with backoff.
   */
  NODE_FENCED: 4507,
} as const;

/**
 * Whether a decoded payload holds a NUL character in any string or key. No
 * text Kismet stores may carry one (Postgres refuses it), so payloads with one
 * are refused where they are parsed, as INVALID_BODY or INVALID_MESSAGE.
 */
export function hasNulCharacter(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.some((item) => hasNulCharacter(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || hasNulCharacter(item, depth + 1));
}
