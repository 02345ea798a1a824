import { z } from 'zod';
import type { ErrorCode } from '../domain/errors';
import { KismetCloseCode, READY_COMMAND } from './messageTypes';

export { KismetCloseCode, READY_COMMAND };

/** Types of the messages every actor may send to its clients. */
export const ServerMessageType = {
  /** The answer to a command that carried a `ref`. */
  REPLY: 'reply',
  /** A refused command or join; carries the command's `ref` when it had one. */
  ERROR: 'error',
} as const;

/**
 * A uuid as Kismet keeps it: lower case, in whatever case it came (Swift's
 * `uuidString` is upper case). Postgres reads any case as the same id, but ids
 * are also compared as strings (in memory, and in an actor's identity): one in
 * another case would be a second actor of the same thread or event.
 */
export const Uuid = z.uuid().overwrite((id) => id.toLowerCase());

/** A client-chosen id that ties a reply or an error to its command. */
export const CommandRef = z.string().min(1).max(64).optional();

/** The payload of READY_COMMAND (contracts/messageTypes.ts). */
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

/**
 * Whether a decoded payload holds a NUL character in any string or key. No
 * text Kismet stores may carry one (Postgres refuses it), so payloads with one
 * are refused where they are parsed, as INVALID_BODY or INVALID_MESSAGE.
 */
export function hasNulCharacter(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  // Loops rather than `some` over `Object.entries`: every command's payload passes here, and the pairs are garbage.
  if (Array.isArray(value)) {
    for (const item of value) if (hasNulCharacter(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && (key.includes('\u0000') || hasNulCharacter((value as Record<string, unknown>)[key], depth + 1))) return true;
  }
  return false;
}
